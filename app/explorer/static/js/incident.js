// /explore/incidents/{id}: every field of one incident, its actors, its attributions as
// claims, its quotes, its related incidents, and each source's excerpt in its sentence.

import { describe, getJSON, getText } from "./api.js";
import { addedMark, dates, el, figure, label, notSaid, saidBy, showProblem, yesNo } from "./format.js";
import { markUp, sentenceAround, toUnits } from "./spans.js";

const GEO_PRECISION = { 1: "exact", 2: "near", 3: "region" };
const RELATIONS = {
  anniversary_of: "is on the anniversary of",
  retaliation_for: "is retaliation for",
  response_to: "responds to",
  part_of: "is part of",
};

const explore = (name, value) => `/explore?${new URLSearchParams({ [name]: value })}`;
const reader = (sourceId, key) => `/explore/sources/${encodeURIComponent(sourceId)}#${key}`;
const incidentHref = (id) => `/explore/incidents/${encodeURIComponent(id)}`;
const inSource = (sourceId, key) => (sourceId ? el("a", { href: reader(sourceId, key) }, "in the source") : null);

// A row of the record: its label, the fields it shows (for `added`), and its value.
function row(name, fields, added, ...value) {
  const marked = fields.some((f) => added.includes(f));
  return [el("dt", {}, name), el("dd", { dataset: { fields: fields.join(" ") } }, value, marked ? addedMark() : null)];
}

function orNotSaid(value, what) {
  return value === null || value === undefined || value === "" ? notSaid(what) : value;
}

function fields(incident, place) {
  const added = incident.added || [];
  const placeAdded = place?.added || [];
  const where = incident.location;
  const weapons = incident.weapons.length
    ? el(
        "ul",
        {},
        incident.weapons.map((w) =>
          el(
            "li",
            {},
            w.kind,
            ": ",
            w.quantity_text ? `“${w.quantity_text}”` : figure(w.quantity),
            w.quantity !== null && w.quantity_text ? ` (${w.quantity})` : null,
            w.notes ? el("span", { class: "sub" }, ` ${w.notes}`) : null,
          ),
        ),
      )
    : notSaid();
  return el(
    "dl",
    { class: "fields" },
    row("When", ["date_start", "date_end", "date_precision"], added, dates(incident), el("span", { class: "sub" }, ` (${incident.date_start} to ${incident.date_end}, precision: ${incident.date_precision})`)),
    row("Time of day", ["time_of_day"], added, orNotSaid(incident.time_of_day)),
    row("Event type", ["event_type", "sub_event_type"], added, incident.event_type, " · ", incident.sub_event_type),
    row("Place", ["location_id"], added, where ? el("a", { href: explore("location", where.id) }, where.name) : notSaid()),
    row(
      "Coordinates",
      [],
      [],
      where && where.latitude !== null
        ? `${where.latitude}, ${where.longitude} (${GEO_PRECISION[where.geo_precision] || "precision not given"})`
        : notSaid(),
      placeAdded.includes("latitude") || placeAdded.includes("longitude") ? addedMark() : null,
    ),
    row("Province", ["admin1"], added, orNotSaid(incident.admin1)),
    row("Country", ["country"], added, incident.country ? el("a", { href: explore("country", incident.country) }, incident.country_name) : notSaid()),
    row("Fatalities", ["fatalities"], added, figure(incident.fatalities)),
    row("Injuries", ["injuries"], added, figure(incident.injuries)),
    row("Damage", ["damage"], added, orNotSaid(incident.damage)),
    row("Weapons", ["weapons"], added, weapons),
    row("Claimed", ["claimed"], added, yesNo(incident.claimed)),
    row("Record", [], [], el("code", {}, incident.id), el("span", { class: "sub" }, ` updated ${incident.updated_at}`)),
  );
}

function notes(incident, place) {
  const other = (incident.added || []).filter(
    (f) => !["date_start", "date_end", "date_precision", "time_of_day", "event_type", "sub_event_type", "location_id", "admin1", "country", "fatalities", "injuries", "damage", "weapons", "claimed"].includes(f),
  );
  return el(
    "section",
    { id: "notes", "aria-labelledby": "notes-h" },
    el("h2", { id: "notes-h" }, "Editor's notes"),
    el("div", { class: "notes" }, incident.notes ? el("p", {}, incident.notes) : el("p", {}, "No notes."),
      (incident.added || []).length ? el("p", {}, "Added by the editor, not read in the source: ", incident.added.join(", "), ".") : null,
      other.length ? el("p", { class: "sub" }, `(${other.join(", ")} shown below.)`) : null),
    place?.notes
      ? el("div", { class: "notes", id: "place-notes" }, el("p", {}, el("strong", {}, `About ${place.name}: `), place.notes),
          place.added?.length ? el("p", {}, "Added by the editor: ", place.added.join(", "), ".") : null)
      : null,
  );
}

function actorsSection(incident) {
  if (!incident.actors.length) return null;
  return el(
    "section",
    { "aria-labelledby": "actors-h" },
    el("h2", { id: "actors-h" }, "Actors"),
    el(
      "ul",
      {},
      incident.actors.map((a) =>
        el("li", {}, el("a", { href: explore("actor", a.actor_id) }, a.actor_name), ` — ${label(a.role)}`, a.notes ? el("span", { class: "sub" }, ` ${a.notes}`) : null),
      ),
    ),
  );
}

function quoteBlock(quote) {
  return el(
    "div",
    { class: "quote-card", id: `quote-${quote.id}` },
    el("blockquote", {}, `“${quote.text}”`),
    el("p", {}, "— ", saidBy(quote, quote.speaker_name || quote.speaker_id)),
    el("p", {}, el("a", { href: reader(quote.source_id, `quote-${quote.id}`) }, "See it in the source"), quote.added?.length ? addedMark() : null),
    quote.notes ? el("p", { class: "sub" }, quote.notes) : null,
  );
}

// The source an attribution's excerpt was read in: the one whose text holds it at its span.
function sourceOf(excerpt, span, texts) {
  for (const [sourceId, text] of texts) {
    const units = text && toUnits(text);
    if (text && text.slice(units(span.start), units(span.end)) === excerpt) return sourceId;
  }
  return null;
}

function claimsSection(incident, texts) {
  if (!incident.attributions.length) return null;
  const quotes = new Map(incident.quotes.map((q) => [q.id, q]));
  return el(
    "section",
    { "aria-labelledby": "claims-h" },
    el("h2", { id: "claims-h" }, "Who is blamed: attributions as claims"),
    incident.attributions.map((a) => {
      const evidence = a.evidence_quote_id ? quotes.get(a.evidence_quote_id) : null;
      return el(
        "div",
        { class: "claim-card", id: `attribution-${a.id}` },
        el("p", { class: "who" }, a.by_actor_name || "The source itself", ` ${a.stance} `, a.actor_name),
        el(
          "dl",
          { class: "fields" },
          row("Who says so", [], [], a.by_actor_id ? el("a", { href: explore("actor", a.by_actor_id) }, a.by_actor_name) : "the source, in its own voice"),
          row("Stance", [], [], a.stance),
          row("Whom", [], [], el("a", { href: explore("attributed_to", a.actor_id) }, a.actor_name)),
          row(
            "Evidence",
            [],
            [],
            evidence ? el("blockquote", {}, `“${evidence.text}” — ${evidence.speaker_name}`) : null,
            a.excerpt ? el("p", {}, el("q", {}, a.excerpt), " ", inSource(sourceOf(a.excerpt, a.span, texts), `attribution-${a.id}`)) : null,
            !evidence && !a.excerpt ? notSaid("No quote or excerpt recorded") : null,
          ),
        ),
        a.notes ? el("p", { class: "sub" }, a.notes, a.added?.length ? addedMark() : null) : null,
      );
    }),
  );
}

function relatedSection(incident) {
  if (!incident.related.length) return null;
  return el(
    "section",
    { "aria-labelledby": "related-h" },
    el("h2", { id: "related-h" }, "Related incidents", incident.added?.includes("related") ? addedMark() : null),
    el(
      "ul",
      {},
      incident.related.map((r) => {
        const phrase = RELATIONS[r.relation] || `is ${label(r.relation)} of`;
        const other = el("a", { href: incidentHref(r.incident_id) }, r.title || r.incident_id);
        return el(
          "li",
          { dataset: { relation: r.relation, direction: r.direction } },
          r.direction === "incoming" ? [other, ` ${phrase} this incident. `] : [`This ${phrase} `, other, ". "],
          r.notes ? el("span", { class: "sub" }, r.notes) : null,
        );
      }),
    ),
  );
}

// Each source's excerpt, in its sentence, the exact words marked.
function excerptsSection(incident, texts) {
  return el(
    "section",
    { "aria-labelledby": "sources-h" },
    el("h2", { id: "sources-h" }, "In the words of the sources"),
    incident.sources.map((s) => {
      const text = texts.get(s.source_id);
      const key = `excerpt-${incident.id}-${s.span.start}-${s.span.end}`;
      const box = el("p", { class: "in-sentence" });
      if (text) {
        const units = toUnits(text);
        const span = { start: units(s.span.start), end: units(s.span.end) };
        const [from, to] = sentenceAround(text, span.start, span.end);
        if (from > 0) box.append("… ");
        markUp(box, text, [span], () => el("mark", { class: "excerpt", dataset: { key } }), from, to);
        if (to < text.length) box.append(" …");
      } else {
        box.append(el("mark", { class: "excerpt", dataset: { key } }, s.excerpt));
      }
      return el(
        "div",
        { class: "excerpt-card" },
        el("p", {}, el("a", { href: reader(s.source_id, key) }, s.title), el("span", { class: "sub" }, ` characters ${s.span.start}–${s.span.end}`)),
        box,
      );
    }),
  );
}

async function main() {
  const id = decodeURIComponent(window.location.pathname.split("/").pop());
  try {
    const incident = await getJSON(`/v1/incidents/${encodeURIComponent(id)}`);
    const sourceIds = [...new Set(incident.sources.map((s) => s.source_id))];
    const [place, ...texts] = await Promise.all([
      incident.location ? getJSON(`/v1/locations/${encodeURIComponent(incident.location.id)}`).catch(() => null) : null,
      ...sourceIds.map((s) => getText(`/v1/sources/${encodeURIComponent(s)}/text`).catch(() => null)),
    ]);
    document.title = `${incident.title} · incident-record`;
    document.getElementById("title").textContent = incident.title;
    const back = document.getElementById("back");
    if (document.referrer.startsWith(`${window.location.origin}/explore?`)) back.href = document.referrer;
    const textOf = new Map(sourceIds.map((s, i) => [s, texts[i]]));
    document.getElementById("incident").replaceChildren(
      el("p", { class: "summary-text" }, incident.summary || notSaid("No summary")),
      fields(incident, place),
      notes(incident, place),
      actorsSection(incident) || "",
      claimsSection(incident, textOf) || "",
      incident.quotes.length
        ? el("section", { "aria-labelledby": "quotes-h" }, el("h2", { id: "quotes-h" }, "Quotes"), incident.quotes.map(quoteBlock))
        : "",
      relatedSection(incident) || "",
      excerptsSection(incident, textOf),
    );
  } catch (error) {
    showProblem(document.getElementById("problem"), describe(error));
  }
  document.body.dataset.state = "ready";
}

main();
