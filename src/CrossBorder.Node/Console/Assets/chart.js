// Line charts as SVG, drawn here from the node's own figures: no charting library, no inline style (CSP).
import { el } from "./ui.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#0b5cad", "#1a7f37", "#b35900"];
const W = 900, H = 270, L = 56, R = 16, T = 28, B = 36;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v);
}

export function lineChart(title, labels, series, unit, id) {
  const values = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const max = niceMax(Math.max(0, ...values));
  const n = Math.max(1, labels.length - 1);
  const x = (i) => L + (i * (W - L - R)) / n;
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", id, "aria-label": `${title}: ${summary(series, unit)}` });
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    chart.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#d0d7de", "stroke-width": 1 }),
      svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#57606a" }, format(v)));
  }
  labels.forEach((label, i) => {
    if (i % 10 !== 0 && i !== labels.length - 1) return;
    const d = new Date(label);
    chart.append(svg("text", { x: x(i), y: H - 12, "text-anchor": "middle", "font-size": 11, fill: "#57606a" },
      d.toISOString().slice(11, 16)));
  });
  chart.append(svg("text", { x: 8, y: 14, "font-size": 11, fill: "#57606a" }, unit));
  series.forEach((s, si) => {
    let path = "";
    s.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      path += `${path && s.values[i - 1] !== null && s.values[i - 1] !== undefined ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    });
    if (path) chart.append(svg("path", { d: path, fill: "none", stroke: COLORS[si % 3], "stroke-width": 2, class: "series" }));
    s.values.forEach((v, i) => {
      if (v !== null && v !== undefined && v > 0)
        chart.append(svg("circle", { cx: x(i), cy: y(v), r: 2.5, fill: COLORS[si % 3] }, svg("title", {}, `${s.name}: ${format(v)} ${unit}`)));
    });
  });
  return el("figure", {}, el("figcaption", {}, title), chart,
    el("div", { class: "legend" }, series.map((s, i) => el("span", {}, el("span", { class: `swatch s${i + 1}` }), s.name))));
}

function format(v) { return v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString(); }

function summary(series, unit) {
  return series.map((s) => {
    const vs = s.values.filter((v) => v !== null && v !== undefined);
    return `${s.name} max ${vs.length ? format(Math.max(...vs)) : "none"} ${unit}`;
  }).join("; ");
}
