// 一校一档: the small inspection-score line and this month's health trend.
(function () {
  var holder = document.getElementById("profile-charts");
  if (!holder || !window.echarts) return;
  var data = JSON.parse(holder.dataset.chart);
  var charts = [];
  var scoresEl = document.getElementById("profile-scores");
  if (scoresEl && data.scores) {
    var scores = echarts.init(scoresEl);
    scores.setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: function (p) { var i = p[0].dataIndex; return data.scores.names[i] + "<br>" + data.scores.labels[i] + "：" + p[0].value + "%"; } },
      grid: { left: 40, right: 16, top: 28, bottom: 24 },
      xAxis: { type: "category", data: data.scores.labels },
      yAxis: { type: "value", name: "得分率%", min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); }, max: 100 },
      series: [{ name: "得分率%", type: "line", data: data.scores.scores, label: { show: true, formatter: "{c}" } }]
    });
    charts.push(scores);
  }
  var healthEl = document.getElementById("profile-health");
  if (healthEl && data.health) {
    var health = echarts.init(healthEl);
    health.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: ["因病缺勤率%", "出勤率%"], top: 0 },
      grid: { left: 40, right: 40, top: 28, bottom: 24 },
      xAxis: { type: "category", data: data.health.labels },
      yAxis: [{ type: "value", name: "因病%" }, { type: "value", name: "出勤%", min: 80, max: 100 }],
      series: [
        { name: "因病缺勤率%", type: "line", data: data.health.illness, areaStyle: { opacity: 0.15 } },
        { name: "出勤率%", type: "line", yAxisIndex: 1, data: data.health.attendance, symbol: "none" }
      ]
    });
    charts.push(health);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
