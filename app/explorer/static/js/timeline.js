// The timeline: incidents per day, week, month or year from `/v1/stats/incidents`, as SVG
// bars. Dragging across bars (or arrow keys, Shift to extend, Enter) selects a stretch of
// time, which becomes `date_from` and `date_to`.

import { getJSON } from "./api.js";
import { count, plural } from "./format.js";

const { bars } = window.explorerView; // view.js

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 170;
const MARGIN = { top: 12, right: 8, bottom: 24, left: 44 };

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const iso = (date) => date.toISOString().slice(0, 10);
const utc = (y, m, d) => new Date(Date.UTC(y, m, d));

// The first and last day of a bucket label: `2022-01-05`, `2022-W01`, `2022-01`, `2022`.
export function bucketDays(unit, labelText) {
  if (unit === "day") return [labelText, labelText];
  if (unit === "year") return [`${labelText}-01-01`, `${labelText}-12-31`];
  if (unit === "month") {
    const [y, m] = labelText.split("-").map(Number);
    return [iso(utc(y, m - 1, 1)), iso(utc(y, m, 0))];
  }
  const [y, w] = labelText.split("-W").map(Number); // ISO week: the week of 4 January is week 1
  const jan4 = utc(y, 0, 4);
  const monday = utc(y, 0, 4 - ((jan4.getUTCDay() + 6) % 7) + (w - 1) * 7);
  return [iso(monday), iso(utc(monday.getUTCFullYear(), monday.getUTCMonth(), monday.getUTCDate() + 6))];
}

export class Timeline {
  constructor(container, { cursorStatus, onSelect }) {
    this.container = container;
    this.cursorStatus = cursorStatus;
    this.onSelect = onSelect;
    this.rows = [];
    this.selection = null; // [first, last] bucket indexes
    new ResizeObserver(() => this.rows.length && this.draw()).observe(container);
  }

  // `unit`: a time bucket (view.js's unitOf).
  async show(filters, unit, signal) {
    this.container.setAttribute("aria-busy", "true");
    try {
      const stats = await getJSON(...bars(filters, unit), signal);
      this.unit = unit;
      this.rows = stats.data.map((r) => ({ label: r[unit], incidents: r.incidents }));
      this.selection = null;
      this.cursor = null;
      this.draw();
      return this.rows.reduce((sum, r) => sum + r.incidents, 0);
    } catch (error) {
      this.rows = [];
      this.container.replaceChildren();
      throw error;
    } finally {
      this.container.removeAttribute("aria-busy");
    }
  }

  draw() {
    const width = Math.max(240, this.container.clientWidth);
    const inner = { w: width - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
    const n = this.rows.length;
    const most = Math.max(1, ...this.rows.map((r) => r.incidents));
    const total = this.rows.reduce((sum, r) => sum + r.incidents, 0);
    const step = n ? inner.w / n : inner.w;
    this.geometry = { step, left: MARGIN.left };
    const first = this.rows[0]?.label;
    const last = this.rows[n - 1]?.label;
    const chart = svg("svg", {
      width,
      height: HEIGHT,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: "img",
      tabindex: "0",
      class: "timeline-chart",
      "aria-label": n
        ? `${plural(total, "incident")} per ${this.unit}, from ${first} to ${last}; the busiest ${this.unit} had ${count(most)}.`
        : "No incidents in this time range.",
      "aria-describedby": "timeline-help",
      "data-unit": this.unit,
      "data-total": String(total),
    });
    const plot = svg("g", { transform: `translate(${MARGIN.left},${MARGIN.top})` });
    plot.append(
      svg("line", { class: "axis", x1: 0, x2: inner.w, y1: inner.h, y2: inner.h }),
      svg("text", { class: "tick", x: -6, y: 4, "text-anchor": "end" }, count(most)),
      svg("text", { class: "tick", x: -6, y: inner.h, "text-anchor": "end" }, "0"),
    );
    const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(inner.w / 80))));
    this.rows.forEach((r, i) => {
      const h = (r.incidents / most) * inner.h;
      const bar = svg("rect", {
        class: "bar",
        x: i * step + (step > 4 ? 1 : 0),
        width: Math.max(0.5, step > 4 ? step - 2 : step),
        y: inner.h - h,
        height: h,
        "data-bucket": r.label,
        "data-count": String(r.incidents),
      });
      bar.append(svg("title", {}, `${r.label}: ${plural(r.incidents, "incident")}`));
      plot.append(bar);
      if (i % every === 0) {
        plot.append(svg("text", { class: "tick", x: i * step, y: inner.h + 16 }, r.label));
      }
    });
    this.band = svg("rect", { class: "selection", y: 0, height: inner.h, x: 0, width: 0, visibility: "hidden" });
    plot.append(this.band);
    chart.append(plot);
    this.listen(chart);
    this.container.replaceChildren(chart);
    this.chart = chart;
    this.paintSelection();
  }

  indexAt(clientX) {
    const box = this.chart.getBoundingClientRect();
    const i = Math.floor((clientX - box.left - this.geometry.left) / this.geometry.step);
    return Math.min(this.rows.length - 1, Math.max(0, i));
  }

  paintSelection() {
    if (!this.selection || !this.band) {
      this.band?.setAttribute("visibility", "hidden");
      return;
    }
    const [a, b] = [Math.min(...this.selection), Math.max(...this.selection)];
    this.band.setAttribute("visibility", "visible");
    this.band.setAttribute("x", a * this.geometry.step);
    this.band.setAttribute("width", (b - a + 1) * this.geometry.step);
  }

  apply() {
    if (!this.selection) return;
    const [a, b] = [Math.min(...this.selection), Math.max(...this.selection)];
    const [from] = bucketDays(this.unit, this.rows[a].label);
    const [, to] = bucketDays(this.unit, this.rows[b].label);
    this.onSelect(from, to);
  }

  announce(i) {
    const r = this.rows[i];
    const [a, b] = [Math.min(...this.selection), Math.max(...this.selection)];
    const span = a === b ? "" : ` (selected ${this.rows[a].label} to ${this.rows[b].label})`;
    this.cursorStatus.textContent = `${r.label}: ${plural(r.incidents, "incident")}${span}`;
  }

  listen(chart) {
    chart.addEventListener("pointerdown", (event) => {
      if (!this.rows.length || event.button !== 0) return;
      chart.setPointerCapture(event.pointerId);
      const i = this.indexAt(event.clientX);
      this.selection = [i, i];
      this.dragging = true;
      this.paintSelection();
    });
    chart.addEventListener("pointermove", (event) => {
      if (!this.dragging) return;
      this.selection[1] = this.indexAt(event.clientX);
      this.paintSelection();
    });
    chart.addEventListener("pointerup", () => {
      if (!this.dragging) return;
      this.dragging = false;
      this.apply();
    });
    chart.addEventListener("keydown", (event) => {
      if (!this.rows.length) return;
      const last = this.rows.length - 1;
      const at = this.cursor ?? last;
      const moves = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: last };
      if (event.key in moves) {
        event.preventDefault();
        this.cursor = Math.min(last, Math.max(0, moves[event.key]));
        this.selection = event.shiftKey && this.selection ? [this.selection[0], this.cursor] : [this.cursor, this.cursor];
        this.paintSelection();
        this.announce(this.cursor);
      } else if (event.key === "Enter" && this.selection) {
        event.preventDefault();
        this.apply();
      } else if (event.key === "Escape") {
        this.selection = null;
        this.paintSelection();
      }
    });
  }
}
