// Renders ECharts options to SVG on the server (no browser): reads a JSON list of
// {"width", "height", "option"} on stdin, writes a JSON list of SVG strings on stdout.
"use strict";
const path = require("path");
const echarts = require(path.join(__dirname, "..", "node_modules", "echarts"));

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const charts = JSON.parse(input).map(({ width, height, option }) => {
    const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
    chart.setOption({ animation: false, textStyle: { fontFamily: "Noto Sans CJK SC" }, ...option });
    const svg = chart.renderToSVGString();
    chart.dispose();
    return svg;
  });
  process.stdout.write(JSON.stringify(charts));
});
