// /explore/sources/{id}: the article's text with every excerpt, quote and attribution
// excerpt as a <mark> saying what it supports; selecting one shows the record it backs.
// The records and their spans come from the source's bundle (`/v1/sources/{id}/bundle`),
// the text from `/v1/sources/{id}/text`, which the spans index.

import { describe, getJSON, getText } from "./api.js";
import { addedMark, dates, day, el, figure, notSaid, saidBy, showProblem } from "./format.js";
import { markUp, toUnits } from "./spans.js";

const KINDS = ["quote", "attribution", "excerpt"]; // the innermost kind colours a mark
const incidentHref = (id) => `/explore/incidents/${encodeURIComponent(id)}`;
const short = (text, n = 70) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

// Every record with a span in this source: incident excerpts, quotes, attribution excerpts.
function recordsOf(bundle, names) {
  const records = [];
  for (const incident of bundle.incidents) {
    for (const e of incident.excerpts) {
      records.push({ kind: "excerpt", key: `excerpt-${incident.id}-${e.start}-${e.end}`, start: e.start, end: e.end, text: e.text, incident });
    }
    for (const a of incident.attributions) {
      if (!a.excerpt) continue;
      const claim = `${(a.by_actor_id ? names.get(a.by_actor_id) || a.by_actor_id : "the source itself")} ${a.stance} ${names.get(a.actor_id) || a.actor_id}`;
      records.push({ kind: "attribution", key: `attribution-${a.id}`, start: a.excerpt.start, end: a.excerpt.end, text: a.excerpt.text, incident, attribution: a, claim });
    }
  }
  for (const q of bundle.quotes) {
    records.push({ kind: "quote", key: `quote-${q.id}`, start: q.span.start, end: q.span.end, text: q.text, quote: q, speaker: names.get(q.speaker_id) || q.speaker_id });
  }
  return records;
}

function says(record) {
  if (record.kind === "excerpt") return `Reports the incident “${record.incident.title}”`;
  if (record.kind === "quote") return `Quote of ${record.speaker}`;
  return `Attribution: ${record.claim} (“${record.incident.title}”)`;
}

// One <mark> per distinct span, listing every record those words back.
function spansOf(records, units) {
  const bySpan = new Map();
  for (const r of records) {
    const key = `${r.start}-${r.end}`;
    if (!bySpan.has(key)) bySpan.set(key, { key, start: units(r.start), end: units(r.end), records: [] });
    bySpan.get(key).records.push(r);
  }
  return [...bySpan.values()];
}

function makeMark(span) {
  const kind = KINDS.find((k) => span.records.some((r) => r.kind === k));
  return el("mark", {
    class: kind,
    title: span.records.map(says).join("\n"),
    dataset: { span: span.key, records: span.records.map((r) => r.key).join(" ") },
  });
}

function recordCard(record, bundle, places) {
  const card = el("div", { class: `${record.kind === "quote" ? "quote" : record.kind === "attribution" ? "claim" : "excerpt"}-card`, dataset: { record: record.key } });
  if (record.kind === "excerpt") {
    const i = record.incident;
    const place = places.get(i.location_id);
    card.append(
      el("p", {}, el("strong", {}, "Reports the incident "), el("a", { href: incidentHref(i.id) }, i.title)),
      el("p", { class: "sub" }, dates(i), " · ", place ? place.name : notSaid(), " · ", i.event_type, " · fatalities: ", figure(i.fatalities)),
    );
  } else if (record.kind === "quote") {
    const q = record.quote;
    card.append(
      el("p", {}, "Quote of ", saidBy(q, record.speaker), q.added?.length ? addedMark() : null),
      el("p", {}, "About: ", q.incident_ids.flatMap((id, n) => [n ? ", " : "", el("a", { href: incidentHref(id) }, titleOf(bundle, id))])),
    );
  } else {
    const a = record.attribution;
    card.append(
      el("p", {}, el("strong", {}, "Attribution: "), record.claim),
      el("p", {}, "Of ", el("a", { href: incidentHref(record.incident.id) }, record.incident.title), a.evidence_quote_id ? el("span", { class: "sub" }, ` evidence: quote ${a.evidence_quote_id}`) : null),
    );
    if (a.notes) card.append(el("p", { class: "sub" }, a.notes));
  }
  return card;
}

function titleOf(bundle, incidentId) {
  return bundle.incidents.find((i) => i.id === incidentId)?.title || incidentId;
}

function about(source, id) {
  return el(
    "div",
    { class: "about" },
    el("p", {}, source.publisher, source.dateline ? `, ${source.dateline}` : "", ", ", source.published_on ? day(source.published_on) : notSaid(), source.url ? [" · ", el("a", { href: source.url, rel: "noreferrer" }, "original")] : [" · URL ", notSaid("Not recorded")]),
    source.published_on_basis ? el("details", {}, el("summary", {}, "How the date was established"), el("p", {}, source.published_on_basis)) : null,
    source.notes ? el("p", { class: "notes" }, source.notes) : null,
    el("p", { class: "sub" }, "As data: ", el("a", { href: `/v1/sources/${encodeURIComponent(id)}/text` }, "the text"), ", ", el("a", { href: `/v1/sources/${encodeURIComponent(id)}/bundle` }, "every record from it (bundle)")),
  );
}

function index(records) {
  const group = (title, kind, item) => {
    const list = records.filter((r) => r.kind === kind);
    if (!list.length) return null;
    return [el("h4", {}, `${title} (${list.length})`), el("ul", { class: "index-list" }, list.map((r) => el("li", {}, el("a", { href: `#${r.key}` }, item(r)))))];
  };
  return [
    group("Excerpts reporting incidents", "excerpt", (r) => `${short(r.incident.title, 50)}: “${short(r.text, 40)}”`),
    group("Quotes", "quote", (r) => `${r.speaker}: “${short(r.text, 50)}”`),
    group("Attributions", "attribution", (r) => short(`${r.claim}, ${r.incident.title}`, 80)),
  ];
}

class Reader {
  constructor(text, records, bundle) {
    this.box = document.getElementById("text");
    this.panel = document.getElementById("record");
    this.bundle = bundle;
    this.places = new Map(bundle.locations.map((l) => [l.id, l]));
    this.byKey = new Map(records.map((r) => [r.key, r]));
    markUp(this.box, text, spansOf(records, toUnits(text)), makeMark);
    this.box.addEventListener("click", (event) => {
      const mark = event.target.closest("mark");
      if (mark) this.select(mark);
    });
    window.addEventListener("hashchange", () => this.fromHash());
  }

  fromHash() {
    const key = decodeURIComponent(window.location.hash.slice(1));
    if (!this.byKey.has(key)) return;
    const mark = [...this.box.querySelectorAll("mark")].find((m) => m.dataset.records.split(" ").includes(key));
    if (mark) {
      this.select(mark, key);
      mark.scrollIntoView({ block: "center" });
    }
  }

  // Show what the chosen words back: the mark's records, then those of enclosing marks.
  select(mark, first) {
    for (const m of this.box.querySelectorAll("mark.selected")) m.classList.remove("selected");
    for (const m of this.box.querySelectorAll(`mark[data-span="${mark.dataset.span}"]`)) m.classList.add("selected");
    const keys = mark.dataset.records.split(" ");
    if (first) keys.sort((a, b) => (b === first) - (a === first));
    const outer = [];
    for (let m = mark.parentElement.closest("mark"); m; m = m.parentElement.closest("mark")) {
      outer.push(...m.dataset.records.split(" "));
    }
    const card = (key) => recordCard(this.byKey.get(key), this.bundle, this.places);
    const words = [...this.box.querySelectorAll(`mark[data-span="${mark.dataset.span}"]`)].map((m) => m.textContent).join("");
    this.panel.replaceChildren(
      el("blockquote", {}, `“${short(words, 200)}”`),
      ...keys.map(card),
      outer.length ? el("h3", {}, "These words are also part of") : "",
      ...[...new Set(outer)].map(card),
    );
  }
}

async function main() {
  const id = decodeURIComponent(window.location.pathname.split("/").pop());
  try {
    const [bundle, text] = await Promise.all([
      getJSON(`/v1/sources/${encodeURIComponent(id)}/bundle`),
      getText(`/v1/sources/${encodeURIComponent(id)}/text`),
    ]);
    const names = new Map(bundle.actors.map((a) => [a.id, a.name]));
    const records = recordsOf(bundle, names);
    document.title = `${bundle.source.title} · incident-record`;
    document.getElementById("title").textContent = bundle.source.title;
    document.getElementById("about").replaceChildren(about(bundle.source, id));
    document.getElementById("index").replaceChildren(...index(records).flat().filter(Boolean));
    new Reader(text, records, bundle).fromHash();
  } catch (error) {
    showProblem(document.getElementById("problem"), describe(error));
  }
  document.body.dataset.state = "ready";
}

main();
