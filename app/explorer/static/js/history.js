// An incident's history, into <section id="history">: every version of the record, newest
// first (GET /v1/incidents/{id}/history), with when, who, why, and each field that changed,
// before → after. Self-contained: the section names the incident (data-incident-id), or the
// page's path does.

import { describe, getAll } from "./api.js";
import { el, showProblem } from "./format.js";

const ACTIONS = {
  create: "Created",
  update: "Changed",
  delete: "Deleted",
  baseline: "Recorded as it stood when history began",
};

// A field's value: text as it is, lists and records as compact JSON, null as "none".
function value(v) {
  if (v === null || v === undefined) return el("span", { class: "not-said" }, "none");
  if (typeof v === "object") return el("code", {}, JSON.stringify(v));
  return String(v);
}

function when(iso) {
  const shown = iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC");
  return el("time", { datetime: iso }, shown);
}

function version(v, number) {
  const who = v.key_name ? ["key ", el("strong", { class: "who" }, v.key_name)] : el("span", { class: "who" }, "the command line");
  return el(
    "li",
    { class: "version", value: number, dataset: { seq: v.seq, action: v.action } },
    el("p", {}, when(v.at), " · ", ACTIONS[v.action] || v.action, " by ", who, ` (${v.via})`),
    el("p", { class: "reason" }, v.reason ? ["Why: ", el("q", {}, v.reason)] : el("span", { class: "not-said" }, "No reason given")),
    changes(v),
  );
}

// Each changed field, before → after; a whole record (created, deleted) folded away.
function changes(v) {
  if (!v.changes.length) return el("p", { class: "sub" }, "No field of the record changed.");
  const list = el(
    "ul",
    { class: "changes" },
    v.changes.map((c) => el("li", { dataset: { field: c.field } }, el("code", { class: "field-name" }, c.field), ": ", value(c.before), " → ", value(c.after))),
  );
  if (v.action === "update") return list;
  const what = v.action === "delete" ? "cleared" : "set";
  return el("details", {}, el("summary", {}, `${v.changes.length} fields ${what}`), list);
}

async function main() {
  const section = document.getElementById("history");
  if (!section) return;
  const id = section.dataset.incidentId || decodeURIComponent(window.location.pathname.split("/").pop());
  const list = section.querySelector("ol.versions");
  try {
    const versions = await getAll(`/v1/incidents/${encodeURIComponent(id)}/history`);
    // Numbered from the oldest, 1: the newest comes first with the highest number.
    list.replaceChildren(...versions.map((v, n) => version(v, versions.length - n)));
  } catch (error) {
    showProblem(section.querySelector(".problem"), describe(error));
  }
  section.dataset.state = "ready";
}

main();
