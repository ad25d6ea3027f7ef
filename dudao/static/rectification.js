// 挂图作战 burn-down: open items per day against the straight line to zero on the assessment day.
(function () {
  var el = document.getElementById("burndown");
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.dataset.chart);
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: ["实际未销号", "计划"] },
    grid: { left: 40, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "category", data: data.labels },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "实际未销号", type: "line", data: data.actual, areaStyle: { opacity: 0.15 }, connectNulls: false },
      { name: "计划", type: "line", data: data.ideal, lineStyle: { type: "dashed" }, symbol: "none" }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
