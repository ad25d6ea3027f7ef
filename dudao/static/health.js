// 晨午检: report-deadline countdowns that keep ticking, and the dashboard's trend and symptom charts.
(function () {
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var due = new Date(el.dataset.deadline).getTime();
      var seconds = Math.round((due - Date.now()) / 1000);
      var late = seconds < 0;
      var minutes = Math.floor(Math.abs(seconds) / 60);
      var hours = Math.floor(minutes / 60);
      minutes = minutes % 60;
      var text = hours ? hours + " 小时 " + minutes + " 分" : minutes + " 分";
      el.textContent = late ? "已超时 " + text : "剩余 " + text;
      el.classList.toggle("text-danger", late);
    });
  }
  if (document.querySelector("[data-deadline]")) { tick(); setInterval(tick, 30000); }

  var trend = document.getElementById("health-trend");
  if (!trend || !window.echarts) return;
  var data = JSON.parse(trend.dataset.chart);
  var chart = echarts.init(trend);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: ["因病缺勤率%", "出勤率%"] },
    grid: { left: 45, right: 45, top: 30, bottom: 30 },
    xAxis: { type: "category", data: data.labels },
    yAxis: [{ type: "value", name: "因病%" }, { type: "value", name: "出勤%", min: 80, max: 100 }],
    series: [
      { name: "因病缺勤率%", type: "line", data: data.illness, areaStyle: { opacity: 0.15 } },
      { name: "出勤率%", type: "line", yAxisIndex: 1, data: data.attendance, symbol: "none" }
    ]
  });
  var mixEl = document.getElementById("health-mix");
  var mix = echarts.init(mixEl);
  mix.setOption({
    animation: false,
    title: { text: "症状构成（30 天）", left: "center", textStyle: { fontSize: 13 } },
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], top: 20, data: data.mix }]
  });
  window.addEventListener("resize", function () { chart.resize(); mix.resize(); });
})();
