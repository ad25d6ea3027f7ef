// 投诉与建议统计: items by category (bar) and by month with on-time and satisfaction rates (bars + lines).
(function () {
  var source = document.getElementById("complaints-chart");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var byCategory = echarts.init(document.getElementById("complaints-categories"));
  byCategory.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 10, right: 30, top: 10, bottom: 25, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: data.categories, inverse: true },
    series: [{ name: "件数", type: "bar", data: data.category_counts, label: { show: true, position: "right" } }]
  });
  var byMonth = echarts.init(document.getElementById("complaints-months"));
  byMonth.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: ["件数", "按时答复率%", "满意率%"] },
    grid: { left: 40, right: 45, top: 35, bottom: 25 },
    xAxis: { type: "category", data: data.months },
    yAxis: [{ type: "value", name: "件", minInterval: 1 }, { type: "value", name: "%", min: 0, max: 100 }],
    series: [
      { name: "件数", type: "bar", data: data.month_counts },
      { name: "按时答复率%", type: "line", yAxisIndex: 1, data: data.month_on_time, connectNulls: true },
      { name: "满意率%", type: "line", yAxisIndex: 1, data: data.month_satisfaction, connectNulls: true }
    ]
  });
  window.addEventListener("resize", function () { byCategory.resize(); byMonth.resize(); });
})();
