// /explore/sources/{id}: the server writes the article's text with every excerpt, quote and
// attribution excerpt as a <mark> listing the records it backs (`data-records`), and the
// list of every highlight (app/explorer). The script makes a mark selectable: selecting
// one (or following its entry in the list) shows the records it backs, read from the
// source's bundle (`/v1/sources/{id}/bundle`).

import { describe, getJSON } from "./api.js";
import { addedMark, dates, el, figure, notSaid, saidBy, showProblem } from "./format.js";

const incidentHref = (id) => `/explore/incidents/${encodeURIComponent(id)}`;
const short = (text, n = 70) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

// Every record with a span in this source, by the key its marks list (as the server keys it).
function recordsOf(bundle, names) {
  const records = [];
  for (const incident of bundle.incidents) {
    for (const e of incident.excerpts) {
      records.push({ kind: "excerpt", key: `excerpt-${incident.id}-${e.start}-${e.end}`, incident });
    }
    for (const a of incident.attributions) {
      if (!a.excerpt) continue;
      const claim = `${(a.by_actor_id ? names.get(a.by_actor_id) || a.by_actor_id : "the source itself")} ${a.stance} ${names.get(a.actor_id) || a.actor_id}`;
      records.push({ kind: "attribution", key: `attribution-${a.id}`, incident, attribution: a, claim });
    }
  }
  for (const q of bundle.quotes) {
    records.push({ kind: "quote", key: `quote-${q.id}`, quote: q, speaker: names.get(q.speaker_id) || q.speaker_id });
  }
  return records;
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

class Reader {
  constructor(records, bundle) {
    this.box = document.getElementById("text");
    this.panel = document.getElementById("record");
    this.bundle = bundle;
    this.places = new Map(bundle.locations.map((l) => [l.id, l]));
    this.byKey = new Map(records.map((r) => [r.key, r]));
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
    const bundle = await getJSON(`/v1/sources/${encodeURIComponent(id)}/bundle`);
    const names = new Map(bundle.actors.map((a) => [a.id, a.name]));
    new Reader(recordsOf(bundle, names), bundle).fromHash();
  } catch (error) {
    showProblem(document.getElementById("problem"), describe(error));
  }
  document.body.dataset.state = "ready";
}

main();
