// /explore/new and /explore/sources/{id}/edit: an article's records reviewed, then submitted.
//
// New: the article goes to `POST /v1/drafts`; its draft (every record a guess) is shown in
// the text and as cards to accept, correct or drop. Edit: the source's bundle is read with
// its ETag (`GET /v1/sources/{id}/bundle`). Either way, words selected in the text (or
// typed) become excerpts, quotes or incidents, places and actors are picked by name, and the
// whole bundle goes to `POST /v1/sources` (an edit with `replace=true` and `If-Match`): the
// server checks it as any import (typed words sent as text alone, for its matcher to find),
// and each problem of its one 422 is shown next to the field it names. The write key is the
// tab's (key.js).

import { ApiError, describe, getJSON, getTagged, sendJSON } from "./api.js";
import { checkboxes, choice, field, input, locate, showPlaces, uid, whereText, wordsField } from "./fields.js";
import { el, label, plural, showProblem } from "./format.js";
import { NoKey, withWriteKey } from "./key.js";
import { markUp } from "./marks.js";
import { offsetIn, SourceWords } from "./words.js";

const page = document.getElementById("main");
const TERMS = JSON.parse(page.dataset.terms);
const EDITED = page.dataset.source; // the source edited; "" on /explore/new
const REVIEWED = "Draft (rule-based), reviewed";
const LISTS = ["incidents", "quotes", "actors", "locations"];
const NOUN = { incidents: "incident", quotes: "quote", actors: "actor", locations: "place", attributions: "attribution" };

const $ = (id) => document.getElementById(id);
const short = (text, n = 60) => (text && text.length > n ? `${text.slice(0, n - 1)}…` : text || "");
const options = (values) => values.map((v) => [String(v), label(String(v))]);
const reviewedNotes = (notes) => notes && notes.replace(TERMS.draft, REVIEWED);

function slug(text) {
  const words = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().match(/[a-z0-9]+/g) || ["record"];
  return words.slice(0, 6).join("-").slice(0, 60).replace(/-$/, "");
}

const holder = (text, span) => ({ text: text || "", start: span?.start ?? null, end: span?.end ?? null, typed: false, occurrence: null });

let serial = 0;

// One record of the bundle under review, and where it stands.
class Rec {
  constructor(list, data, origin, parent = null) {
    Object.assign(this, { list, data, origin, parent, changed: false, dropped: false, accepted: false });
    this.id = `rec-${++serial}`;
    this.draftAdded = [...(data.added || [])];
  }

  get live() {
    return !this.dropped && (!this.parent || this.parent.live);
  }

  get proposed() {
    return this.origin === "draft" && !this.accepted && !this.dropped;
  }

  get state() {
    if (this.dropped) return "Dropped: it will not be submitted.";
    if (this.origin === "added") return "Added by you.";
    if (this.origin === "stored") return this.changed ? "Changed." : "As stored.";
    if (!this.accepted) return "Proposed by the draft, not reviewed.";
    return this.changed ? "Accepted, corrected." : "Accepted.";
  }
}

// Actors and places by name: those of the bundle, then the record's (`/v1/actors?q=`, each
// word of the name or an alias, any case), offered in a <datalist> as one types.
class Names {
  constructor(review) {
    this.review = review;
    this.record = { actors: new Map(), locations: new Map() };
    this.timers = {};
  }

  bundle(kind) {
    return this.review.lists[kind].filter((r) => r.live).map((r) => r.data);
  }

  async load(kind, ids) {
    const missing = [...ids].filter((id) => id && !this.bundle(kind).some((d) => d.id === id) && !this.record[kind].has(id));
    await Promise.all(
      missing.map((id) =>
        getJSON(`/v1/${kind}/${encodeURIComponent(id)}`).then(
          (d) => this.record[kind].set(d.id, d),
          () => null, // an id the record lacks: shown as it is, and the server says so
        ),
      ),
    );
  }

  find(kind, id) {
    return this.bundle(kind).find((d) => d.id === id) || this.record[kind].get(id);
  }

  nameOf(kind, id) {
    return id ? this.find(kind, id)?.name || id : "";
  }

  resolve(kind, value) {
    const v = value.trim().toLowerCase();
    if (!v) return null;
    const named = (d) => d.id === value.trim() || [d.name, ...(d.aliases || [])].some((n) => n.toLowerCase() === v);
    return (this.bundle(kind).find(named) || [...this.record[kind].values()].find(named))?.id || null;
  }

  fill(kind) {
    const named = new Map();
    for (const d of this.record[kind].values()) named.set(d.name, `in the record · ${label(d.kind)}`);
    for (const d of this.bundle(kind)) named.set(d.name, `this article · ${label(d.kind)}`);
    $(`${kind === "actors" ? "actor" : "location"}-names`).replaceChildren(...[...named].map(([name, where]) => el("option", { value: name }, where)));
  }

  suggest(kind, value, then) {
    clearTimeout(this.timers[kind]);
    if (!/[\p{L}\p{N}]/u.test(value)) return; // the API wants a word to look for
    this.timers[kind] = setTimeout(async () => {
      try {
        const found = await getJSON(`/v1/${kind}`, [["q", value], ["limit", "20"]]);
        for (const d of found.data) this.record[kind].set(d.id, d);
        this.fill(kind);
        then();
      } catch {
        // suggestions are a help: without them the name is still checked on submit
      }
    }, 150);
  }

  explain(kind, id, value, addNew) {
    const noun = NOUN[kind];
    if (id) {
      const inBundle = this.bundle(kind).some((d) => d.id === id);
      return [`${inBundle ? "New, in this article" : "In the record"}: `, el("code", {}, id)];
    }
    if (!value.trim()) return [];
    const add = el("button", { type: "button", class: "quiet" }, `Add “${value.trim()}” as a new ${noun}`);
    add.addEventListener("click", () => addNew(value.trim()));
    return [`No ${noun} called “${value.trim()}” in the record or this article. `, add];
  }
}

class Review {
  constructor(bundle, etag) {
    const { text, ...source } = bundle.source;
    this.words = new SourceWords(text);
    this.source = source;
    this.etag = etag;
    const origin = etag ? "stored" : "draft";
    const rec = (list, d) => new Rec(list, d, origin);
    this.lists = {
      locations: bundle.locations.map((d) => rec("locations", d)),
      actors: bundle.actors.map((d) => rec("actors", d)),
      quotes: bundle.quotes.map((d) => Object.assign(rec("quotes", d), { words: holder(d.text, d.span) })),
      incidents: bundle.incidents.map((d) => {
        const r = rec("incidents", d);
        r.excerpts = d.excerpts.map((e) => holder(e.text, e));
        r.attributions = d.attributions.map((a) => Object.assign(new Rec("attributions", a, origin, r), { words: holder(a.excerpt?.text, a.excerpt) }));
        return r;
      }),
    };
    this.names = new Names(this);
    this.refreshers = [];
    this.pick = holder("", null);
  }

  all() {
    return [...LISTS.flatMap((list) => this.lists[list]), ...this.lists.incidents.flatMap((i) => i.attributions)];
  }

  async loadNames() {
    const actors = new Set();
    for (const q of this.lists.quotes) actors.add(q.data.speaker_id);
    for (const a of this.lists.actors) actors.add(a.data.parent_id);
    for (const i of this.lists.incidents) {
      for (const role of i.data.actors) actors.add(role.actor_id);
      for (const a of i.attributions) [a.data.actor_id, a.data.by_actor_id].forEach((id) => actors.add(id));
    }
    await Promise.all([
      this.names.load("actors", actors),
      this.names.load("locations", new Set(this.lists.incidents.map((i) => i.data.location_id))),
    ]);
  }

  // Drawing

  render() {
    $("review").hidden = false;
    $("source-card").replaceChildren(this.sourceCard());
    for (const list of LISTS) $(`${list}-list`).replaceChildren(...this.lists[list].map((r) => this.card(r)));
    this.refresh();
  }

  summary(rec) {
    const d = rec.data;
    const names = this.names;
    switch (rec.list) {
      case "incidents":
        return `${d.title || "(untitled incident)"}${d.date_start ? `, ${d.date_start}` : ""}`;
      case "quotes":
        return `${names.nameOf("actors", d.speaker_id) || "(no speaker)"}: “${short(rec.words.text)}”`;
      case "attributions":
        return `${d.by_actor_id ? names.nameOf("actors", d.by_actor_id) : "The source itself"} ${d.stance || "?"} ${names.nameOf("actors", d.actor_id) || "?"}`;
      default:
        return d.name || `(unnamed ${NOUN[rec.list]})`;
    }
  }

  card(rec) {
    const heading = el("h4", { id: `${rec.id}-h`, tabindex: "-1" });
    const state = el("p", { class: "state" });
    const accept = el("button", { type: "button", class: "accept", "aria-pressed": "false" }, "Accept");
    const drop = el("button", { type: "button", class: "drop", "aria-pressed": "false" }, "Drop");
    accept.hidden = rec.origin !== "draft";
    accept.addEventListener("click", () => {
      rec.accepted = !rec.accepted;
      this.update(rec);
      this.refresh();
    });
    drop.addEventListener("click", () => {
      rec.dropped = !rec.dropped;
      this.update(rec);
      this.refresh();
    });
    const show = el("button", { type: "button", class: "quiet" }, "Show in the text");
    show.addEventListener("click", () => this.showInText(rec));
    const fields = el("details", { class: "fields" }, el("summary", {}, "Correct its fields"), this.fields(rec));
    const card = el(
      "li",
      { class: "record", id: rec.id, dataset: { record: rec.list }, "aria-labelledby": heading.id },
      el("p", { class: "kind" }, label(NOUN[rec.list])),
      heading,
      state,
      el("p", { class: "buttons" }, accept, drop, ["quotes", "incidents", "attributions"].includes(rec.list) ? show : null),
      fields,
    );
    if (rec.list === "incidents") card.append(this.attributionsPart(rec));
    Object.assign(rec, { card, heading, stateLine: state, acceptButton: accept, dropButton: drop });
    this.update(rec);
    return card;
  }

  update(rec) {
    rec.heading.textContent = this.summary(rec);
    rec.stateLine.textContent = rec.state;
    rec.card.dataset.status = rec.dropped ? "dropped" : rec.proposed ? "proposed" : "reviewed";
    rec.acceptButton.setAttribute("aria-pressed", String(rec.accepted));
    rec.dropButton.setAttribute("aria-pressed", String(rec.dropped));
  }

  // A field changed: the record is reviewed (corrected), and what shows it is redrawn.
  touch(rec) {
    rec.changed = true;
    if (rec.origin === "draft") rec.accepted = true;
    this.update(rec);
    this.refresh();
  }

  refresh() {
    for (const list of LISTS) {
      const recs = this.lists[list];
      $(`${list}-count`).textContent = `(${recs.filter((r) => r.live).length}${recs.some((r) => !r.live) ? ` of ${recs.length}` : ""})`;
    }
    for (const rec of this.all()) if (rec.heading) rec.heading.textContent = this.summary(rec);
    const pickIncident = $("pick-incident");
    const chosen = pickIncident.value;
    const incidents = this.lists.incidents.filter((r) => r.live).map((r) => [r.id, short(this.summary(r), 50)]);
    if (JSON.stringify(incidents) !== pickIncident.dataset.drawn) {
      pickIncident.dataset.drawn = JSON.stringify(incidents);
      pickIncident.replaceChildren(...incidents.map(([id, text]) => el("option", { value: id }, text)));
      if (incidents.some(([id]) => id === chosen)) pickIncident.value = chosen;
    }
    for (const redraw of this.refreshers) redraw();
    const all = this.all();
    const open = all.filter((r) => r.proposed).length;
    const dropped = all.filter((r) => r.dropped).length;
    const changed = all.filter((r) => r.live && (r.changed || r.origin === "added")).length;
    $("unreviewed").textContent = this.etag
      ? `${plural(changed, "record")} changed or added, ${dropped} dropped.`
      : open
        ? `${open} of ${plural(all.length, "proposed record")} not reviewed yet: stored as they are, they stay marked as the draft's guesses (in their notes). ${dropped} dropped.`
        : `Every record is reviewed; ${dropped} dropped.`;
    this.renderText();
  }

  renderText() {
    const groups = new Map();
    // One mark per span, listing its records' words by key: `rec-3` (a quote, an attribution)
    // or `rec-2:1` (an incident's second excerpt).
    const add = (words, rec, kind, key) => {
      if (!rec.live || words.start === null) return;
      const span = `${words.start}-${words.end}`;
      if (!groups.has(span)) groups.set(span, { start: words.start, end: words.end, recs: [], keys: [], kinds: new Set() });
      const group = groups.get(span);
      group.recs.push(rec);
      group.keys.push(key);
      group.kinds.add(kind);
    };
    for (const i of this.lists.incidents) {
      i.excerpts.forEach((e, n) => add(e, i, "excerpt", `${i.id}:${n}`));
      for (const a of i.attributions) add(a.words, a, "attribution", a.id);
    }
    for (const q of this.lists.quotes) add(q.words, q, "quote", q.id);
    const make = (g) =>
      el("mark", {
        class: `${["quote", "attribution", "excerpt"].find((k) => g.kinds.has(k))}${g.recs.every((r) => r.proposed) ? " proposed" : ""}`,
        title: g.recs.map((r) => `${label(NOUN[r.list])}: ${this.summary(r)}`).join("\n"),
        dataset: { records: g.keys.join(" "), span: `${g.start}-${g.end}` },
      });
    $("text").replaceChildren(markUp(this.words.chars, [...groups.values()], make));
  }

  showInText(rec) {
    const mark = [...$("text").querySelectorAll("mark")].find((m) => m.dataset.records.split(" ").some((key) => key.split(":")[0] === rec.id));
    for (const m of $("text").querySelectorAll("mark.selected")) m.classList.remove("selected");
    if (!mark) {
      rec.stateLine.textContent = `${rec.state} Its words are not found in the text.`;
      return;
    }
    for (const m of $("text").querySelectorAll(`mark[data-span="${mark.dataset.span}"]`)) m.classList.add("selected");
    mark.scrollIntoView({ block: "center" });
  }

  goTo(key) {
    const rec = this.all().find((r) => r.id === key.split(":")[0]);
    if (!rec) return;
    rec.card.scrollIntoView({ block: "start" });
    rec.heading.focus({ preventScroll: true });
  }

  // The fields of each kind of record

  sourceCard() {
    const s = this.source;
    const changed = () => {};
    const idField = this.etag ? el("p", {}, "Id: ", el("code", {}, s.id)) : input(s, "id", "Id", changed);
    return el(
      "section",
      { class: "record source-record", id: "source-record", dataset: { record: "source" }, "aria-labelledby": "source-record-h" },
      el("h3", { id: "source-record-h" }, "The source"),
      el(
        "div",
        { class: "grid" },
        idField,
        input(s, "title", "Title", changed),
        input(s, "publisher", "Publisher", changed),
        input(s, "dateline", "Dateline", changed),
        input(s, "published_on", "Published on", changed, { type: "date" }),
        input(s, "url", "Address of the original (URL)", changed, { type: "url" }),
        input(s, "published_on_basis", "How the date was established", changed),
        input(s, "notes", "Notes", changed, { rows: 2 }),
      ),
    );
  }

  fields(rec) {
    const d = rec.data;
    const set = () => this.touch(rec);
    const pick = (name, values, text, { optional = true, none = "not said" } = {}) =>
      choice(name, text, optional ? [["", none], ...options(values)] : options(values), d[name] === null || d[name] === undefined ? "" : String(d[name]), (v) => {
        d[name] = v === "" ? null : typeof values[0] === "number" ? Number(v) : v;
        set();
      });
    const common = [input(d, "notes", "Notes", set, { rows: 3 }), this.addedPart(rec)];
    switch (rec.list) {
      case "locations":
        return [
          input(d, "name", "Name", set),
          input(d, "aliases", "Other names, one a line", set, { read: "lines", rows: 2 }),
          pick("kind", TERMS.location_kind, "Kind", { optional: false }),
          input(d, "country", "Country (ISO code or name)", set),
          input(d, "admin1", "Province or region (admin1)", set),
          el("div", { class: "grid" }, input(d, "latitude", "Latitude", set, { read: "number" }), input(d, "longitude", "Longitude", set, { read: "number" })),
          choice("geo_precision", "Precision of the place", Object.entries(TERMS.geo_precision).map(([v, t]) => [v, `${v}: ${t}`]), String(d.geo_precision ?? ""), (v) => {
            d.geo_precision = Number(v);
            set();
          }),
          ...common,
        ];
      case "actors":
        return [
          input(d, "name", "Name", set),
          input(d, "aliases", "Other names, one a line", set, { read: "lines", rows: 2 }),
          pick("kind", TERMS.actor_kind, "Kind", { optional: false }),
          input(d, "country", "Country (ISO code or name)", set),
          this.picker(d, "parent_id", "Part of (an actor, by name)", "actors", set),
          input(d, "description", "Description", set),
          ...common,
        ];
      case "quotes":
        return [
          wordsField("text span occurrence after", "The quoted words", this.words, rec.words, set),
          this.picker(d, "speaker_id", "Speaker (an actor, by name)", "actors", set),
          input(d, "speaker_title", "The speaker's title, as written", set),
          input(d, "said_on", "Said on", set, { type: "date" }),
          pick("channel", TERMS.channel, "How it was said", { optional: false }),
          this.incidentChoices(rec),
          ...common,
        ];
      case "attributions":
        return [
          this.picker(d, "actor_id", "Attributed to (an actor, by name)", "actors", set),
          this.picker(d, "by_actor_id", "By (an actor, by name; empty: the source itself)", "actors", set),
          pick("stance", TERMS.stance, "Stance", { optional: false }),
          this.evidenceChoice(rec),
          wordsField("excerpt", "Its words in the text (optional)", this.words, rec.words, set),
          ...common,
        ];
      default:
        return this.incidentFields(rec, pick, common);
    }
  }

  incidentFields(rec, pick, common) {
    const d = rec.data;
    const set = () => this.touch(rec);
    const types = Object.entries(TERMS.event_types).map(([type, subs]) => ({ group: type, options: subs.map((sub) => [`${type}|${sub}`, sub]) }));
    const current = d.event_type || d.sub_event_type ? `${d.event_type}|${d.sub_event_type}` : "";
    return [
      input(d, "id", "Id", set),
      input(d, "title", "Title", set),
      input(d, "summary", "Summary", set, { rows: 2 }),
      el(
        "div",
        { class: "grid" },
        input(d, "date_start", "From", set, { type: "date" }),
        input(d, "date_end", "To", set, { type: "date" }),
        pick("date_precision", TERMS.date_precision, "Date precision", { optional: false }),
        input(d, "time_of_day", "Time of day", set),
      ),
      choice("event_type sub_event_type", "Event type", [["", "choose"], ...types], current, (v) => {
        [d.event_type, d.sub_event_type] = v ? v.split("|") : [null, null];
        set();
      }),
      this.picker(d, "location_id", "Place (by name)", "locations", set),
      el("div", { class: "grid" }, input(d, "country", "Country (ISO code or name)", set), input(d, "admin1", "Province or region (admin1)", set)),
      el(
        "div",
        { class: "grid" },
        input(d, "fatalities", "Fatalities (empty: not said)", set, { read: "count" }),
        input(d, "injuries", "Injuries (empty: not said)", set, { read: "count" }),
        pick("damage", TERMS.damage, "Damage", { optional: false }),
        choice("claimed", "Claimed", [["", "not said"], ["true", "yes"], ["false", "no"]], d.claimed === null || d.claimed === undefined ? "" : String(d.claimed), (v) => {
          d.claimed = v === "" ? null : v === "true";
          set();
        }),
      ),
      this.listPart(rec, "excerpts", "Its words in the text (excerpts)", rec.excerpts, (e, path) => wordsField(path, "Words", this.words, e, set), null),
      this.listPart(rec, "weapons", "Weapons", d.weapons, (w, path) => [
        input(w, "kind", "Weapon", set, { path: `${path}.kind` }),
        input(w, "quantity", "How many", set, { read: "count", path: `${path}.quantity` }),
        input(w, "quantity_text", "As written", set, { path: `${path}.quantity_text` }),
        input(w, "notes", "Notes", set, { path: `${path}.notes` }),
      ], () => ({ kind: "", quantity: null, quantity_text: null, notes: null })),
      this.listPart(rec, "actors", "Actors and their roles", d.actors, (a, path) => [
        this.picker(a, "actor_id", "Actor (by name)", "actors", set, `${path}.actor_id`),
        choice(`${path}.role`, "Role", options(TERMS.role), a.role, (v) => {
          a.role = v;
          set();
        }),
        input(a, "notes", "Notes", set, { path: `${path}.notes` }),
      ], () => ({ actor_id: null, role: TERMS.role[0], notes: null })),
      this.listPart(rec, "related", "Related incidents", d.related, (r, path) => [
        choice(`${path}.relation`, "This incident is", options(TERMS.relation), r.relation, (v) => {
          r.relation = v;
          set();
        }),
        input(r, "incident_id", "Of the incident (id)", set, { path: `${path}.incident_id` }),
        input(r, "notes", "Notes", set, { path: `${path}.notes` }),
      ], () => ({ relation: TERMS.relation[0], incident_id: "", notes: null })),
      ...common,
    ];
  }

  // A list field's rows, each removable; `blank` makes a new row (none: rows come from the text).
  listPart(rec, name, legend, items, row, blank) {
    const box = el("fieldset", { class: "list", dataset: { field: name } });
    const draw = () => {
      box.replaceChildren(
        el("legend", {}, legend),
        ...items.map((item, n) => {
          const remove = el("button", { type: "button", class: "quiet", "aria-label": `Remove ${n + 1} of ${legend.toLowerCase()}` }, "Remove");
          remove.addEventListener("click", () => {
            items.splice(n, 1);
            draw();
            this.touch(rec);
            (box.querySelector("input, select, textarea, button") || rec.heading).focus();
          });
          return el("div", { class: "row", dataset: { field: `${name}[${n}]` } }, row(item, `${name}[${n}]`), remove);
        }),
        items.length ? "" : el("p", { class: "note" }, name === "excerpts" ? "None: select words in the text to add one." : "None."),
      );
      if (blank) {
        const more = el("button", { type: "button", class: "quiet" }, `Add to ${legend.toLowerCase()}`);
        more.addEventListener("click", () => {
          items.push(blank());
          draw();
          this.touch(rec);
          box.querySelector(".row:last-of-type input, .row:last-of-type select")?.focus();
        });
        box.append(more);
      }
    };
    draw();
    if (name === "excerpts") rec.redrawExcerpts = draw;
    return box;
  }

  addedPart(rec) {
    const names = [...new Set([...rec.draftAdded, ...(rec.data.added || [])])];
    if (!names.length) return null;
    return checkboxes(rec.data, "added", "Added by the editor, not read in the article (uncheck what the article says)", names.map((n) => [n, label(n)]), () => this.touch(rec));
  }

  // A part drawn from other records (`values()`), redrawn only when they change: a redraw
  // takes the focus from the control in it.
  dependent(values, draw) {
    const box = el("div");
    let drawn = null;
    const redraw = () => {
      const now = values();
      if (JSON.stringify(now) === drawn) return;
      drawn = JSON.stringify(now);
      box.replaceChildren(draw(now));
    };
    this.refreshers.push(redraw);
    redraw();
    return box;
  }

  incidentChoices(rec) {
    return this.dependent(
      () => this.lists.incidents.filter((r) => r.live).map((r) => [r.data.id, short(this.summary(r), 60)]),
      (incidents) => checkboxes(rec.data, "incident_ids", "About the incidents", incidents, () => this.touch(rec)),
    );
  }

  evidenceChoice(rec) {
    return this.dependent(
      () => this.lists.quotes.filter((q) => q.live).map((q) => [q.data.id, short(this.summary(q), 70)]),
      (quotes) =>
        choice("evidence_quote_id", "Evidence: a quote", [["", "none"], ...quotes], rec.data.evidence_quote_id || "", (v) => {
          rec.data.evidence_quote_id = v || null;
          this.touch(rec);
        }),
    );
  }

  attributionsPart(rec) {
    const list = el("ol", { class: "cards" }, rec.attributions.map((a) => this.card(a)));
    const add = el("button", { type: "button", class: "quiet" }, "Add an attribution");
    add.addEventListener("click", () => {
      const id = this.uniqueId(`${rec.data.id}-attribution`);
      const a = Object.assign(new Rec("attributions", { id, actor_id: null, by_actor_id: null, stance: "claimed", evidence_quote_id: null, excerpt: null, notes: null, added: [] }, "added", rec), { words: holder("", null) });
      rec.attributions.push(a);
      list.append(this.card(a));
      this.touch(rec);
      this.openCard(a, "input");
    });
    return el("section", { class: "attributions", "aria-labelledby": `${rec.id}-claims` }, el("h5", { id: `${rec.id}-claims` }, "Who is blamed or claims it (attributions)"), list, add);
  }

  // An actor or a place, by name: the id of the one named is the field's value.
  picker(record, name, text, kind, changed, path = name) {
    const control = el("input", { list: `${kind === "actors" ? "actor" : "location"}-names`, autocomplete: "off", spellcheck: "false", id: uid() });
    control.value = this.names.nameOf(kind, record[name]);
    const hint = el("span", { class: "hint", id: uid("hint") });
    control.setAttribute("aria-describedby", hint.id);
    const explain = () => hint.replaceChildren(...this.names.explain(kind, record[name], control.value, (typed) => this.addNamed(kind, typed, record, name, control, explain, changed)));
    const resolve = () => {
      const id = this.names.resolve(kind, control.value);
      if (id === record[name]) return explain();
      record[name] = id;
      explain();
      changed();
    };
    control.addEventListener("focus", () => this.names.fill(kind));
    control.addEventListener("input", () => {
      resolve();
      this.names.suggest(kind, control.value, resolve);
    });
    explain();
    return field(path, text, control, hint);
  }

  addNamed(kind, typed, record, name, control, explain, changed) {
    const data =
      kind === "actors"
        ? { id: this.uniqueId(slug(typed)), name: typed, aliases: [], kind: "person", country: null, parent_id: null, description: null, notes: null, added: [] }
        : { id: this.uniqueId(slug(typed)), name: typed, aliases: [], kind: "town", country: null, admin1: null, latitude: null, longitude: null, geo_precision: 1, notes: null, added: [] };
    const rec = new Rec(kind, data, "added");
    this.lists[kind].push(rec);
    $(`${kind}-list`).append(this.card(rec));
    record[name] = data.id;
    explain();
    changed();
    control.focus();
  }

  uniqueId(base) {
    const taken = new Set(this.all().map((r) => r.data.id));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    return id;
  }

  openCard(rec, selector) {
    const details = rec.card.querySelector("details");
    details.open = true;
    rec.card.scrollIntoView({ block: "start" });
    details.querySelector(selector)?.focus();
  }

  // Words of the text, selected or typed, for a new record (listenToText)

  showPick(message) {
    const pick = this.pick;
    $("pick-where").textContent = message || whereText(pick) || "Nothing selected.";
    $("pick-which-field").hidden = !(pick.places?.length > 1);
    showPlaces($("pick-which"), this.words, pick);
  }

  picked() {
    if (this.pick.start === null) {
      this.showPick(this.pick.text ? `${whereText(this.pick) || "Not found."} Select words of the text, or type them as the text has them.` : "Select words in the text first (or type them).");
      $("pick-words").focus();
      return null;
    }
    const { text, start, end, typed, occurrence } = this.pick;
    return { text, start, end, typed, occurrence };
  }

  addExcerpt() {
    const words = this.picked();
    const rec = this.lists.incidents.find((r) => r.id === $("pick-incident").value);
    if (!words) return;
    if (!rec) return this.showPick("No incident to add them to: add them as a new incident.");
    rec.excerpts.push(words);
    rec.redrawExcerpts();
    this.touch(rec);
    this.showPick(`Added as an excerpt of “${short(rec.data.title, 50)}”.`);
  }

  addQuote() {
    const words = this.picked();
    if (!words) return;
    const data = { id: this.uniqueId(slug(words.text)), text: words.text, speaker_id: null, speaker_title: null, said_on: null, channel: "unspecified", span: null, incident_ids: [], notes: null, added: [] };
    const rec = Object.assign(new Rec("quotes", data, "added"), { words });
    this.lists.quotes.push(rec);
    $("quotes-list").append(this.card(rec));
    this.refresh();
    this.openCard(rec, "[data-field='speaker_id'] input");
  }

  addIncident() {
    const words = this.picked();
    if (!words) return;
    const data = {
      ...{ id: this.uniqueId(slug(words.text)), title: null, summary: null, date_start: null, date_end: null, date_precision: "day", time_of_day: null },
      ...{ event_type: null, sub_event_type: null, country: null, admin1: null, location_id: null, fatalities: null, injuries: null, damage: "unknown" },
      ...{ claimed: null, excerpts: [], weapons: [], actors: [], attributions: [], related: [], notes: null, added: [] },
    };
    const rec = Object.assign(new Rec("incidents", data, "added"), { excerpts: [words], attributions: [] });
    this.lists.incidents.push(rec);
    $("incidents-list").append(this.card(rec));
    this.refresh();
    this.openCard(rec, "[data-field='title'] input");
  }

  // Submitting

  // The bundle to send, and the element of each record by its path in it (`incidents[2]`).
  build() {
    const places = [["source", $("source-record")]];
    const dropped = (list) => new Set(this.lists[list].filter((r) => !r.live).map((r) => r.data.id));
    const [goneIncidents, goneQuotes] = [dropped("incidents"), dropped("quotes")];
    const reviewed = (rec, data) => (rec.accepted ? { ...data, notes: reviewedNotes(data.notes) } : data);
    // Words as stored or selected go with their span, checked exactly; words typed go alone
    // (with the `occurrence` chosen, if any), for the loader's matcher to find: where they
    // are absent or ambiguous, its 422 says so of this field.
    const located = (w) => {
      if (w.typed || w.start === null) return w.occurrence ? { text: w.text, occurrence: w.occurrence } : { text: w.text };
      return { start: w.start, end: w.end, text: this.words.at(w.start, w.end) };
    };
    const quoteWords = (w) => {
      const { start, end, ...rest } = located(w);
      return start === undefined ? rest : { ...rest, span: { start, end } };
    };
    const live = (list) => this.lists[list].filter((r) => r.live);
    const bundle = { format: "incident-record.bundle/1", source: { ...this.source, text: this.words.text }, locations: [], actors: [], quotes: [], incidents: [] };
    if (!this.all().some((r) => r.proposed)) bundle.source.notes = reviewedNotes(bundle.source.notes);
    for (const list of ["locations", "actors"]) {
      live(list).forEach((r, n) => {
        places.push([`${list}[${n}]`, r.card]);
        bundle[list].push(reviewed(r, r.data));
      });
    }
    live("quotes").forEach((r, n) => {
      places.push([`quotes[${n}]`, r.card]);
      const { span, text, occurrence, after, ...rest } = r.data;
      bundle.quotes.push(reviewed(r, { ...rest, ...quoteWords(r.words), incident_ids: r.data.incident_ids.filter((i) => !goneIncidents.has(i)) }));
    });
    live("incidents").forEach((r, n) => {
      const path = `incidents[${n}]`;
      places.push([path, r.card]);
      const attributions = r.attributions
        .filter((a) => a.live)
        .map((a, k) => {
          places.push([`${path}.attributions[${k}]`, a.card]);
          const d = { ...a.data, excerpt: a.words.text.trim() ? located(a.words) : null };
          if (goneQuotes.has(d.evidence_quote_id)) d.evidence_quote_id = null;
          return reviewed(a, d);
        });
      const d = { ...r.data, excerpts: r.excerpts.map(located), attributions, related: r.data.related.filter((x) => !goneIncidents.has(x.incident_id)) };
      if (r.accepted) d.weapons = d.weapons.map((w) => ({ ...w, notes: reviewedNotes(w.notes) }));
      bundle.incidents.push(reviewed(r, d));
    });
    return { bundle, places };
  }

  async submit() {
    const { bundle, places } = this.build();
    const button = $("send");
    clearErrors();
    $("done").hidden = true;
    button.disabled = true;
    try {
      const headers = this.etag ? { "If-Match": this.etag } : {};
      const reason = $("reason")?.value.trim();
      if (reason) headers["X-Change-Reason"] = encodeURIComponent(reason); // a header is ASCII
      const params = this.etag ? [["replace", "true"]] : [];
      const result = await withWriteKey((key) => sendJSON("POST", "/v1/sources", { params, body: bundle, headers: { ...headers, Authorization: `Bearer ${key}` } }));
      await this.stored(result, bundle);
    } catch (error) {
      this.refused(error, places, bundle);
    } finally {
      button.disabled = false;
    }
  }

  refused(error, places, bundle) {
    if (error instanceof ApiError && error.status === 422 && error.problem?.errors) {
      return showErrors(error.problem, places, "Nothing was stored: correct them and submit again.");
    }
    let message = error instanceof NoKey ? error.message : describe(error);
    if (error instanceof ApiError && error.status === 412) {
      message = "Someone else changed this source since this page read it, so nothing was stored (your changes would have overwritten theirs). Reload the page to start from the stored version; copy what you want to keep first.";
    } else if (error instanceof ApiError && error.status === 409 && !this.etag) {
      const problem = { detail: "A source with this id is already in the record", errors: [{ field: "source.id", message: `${bundle.source.id} is taken: give this one another id, or edit that source` }] };
      return showErrors(problem, places, "Nothing was stored.");
    }
    showErrors({ detail: message, errors: [] }, places, "");
  }

  async stored(result, bundle) {
    const id = result.source_id;
    const href = (path) => `/explore/${path}/${encodeURIComponent(id)}`;
    const incidents = bundle.incidents;
    $("done-what").textContent = {
      created: `The source and ${plural(incidents.length, "incident")} are in the record.`,
      replaced: "The stored records of this source were replaced by these.",
      unchanged: "Nothing had changed: the record already held exactly these records.",
    }[result.outcome];
    $("done-links").replaceChildren(
      el("li", {}, el("a", { href: href("sources") }, "The source, its words highlighted")),
      el("li", {}, el("a", { href: `/explore?${new URLSearchParams({ source: id })}` }, "Its incidents on the map")),
      ...incidents.map((i) => el("li", {}, el("a", { href: `/explore/incidents/${encodeURIComponent(i.id)}` }, i.title))),
      EDITED ? "" : el("li", {}, el("a", { href: "/explore/new" }, "Add another article")),
    );
    if (EDITED) {
      await openStored(); // what is stored now, and its ETag, for any further change
    } else {
      $("review").hidden = true;
      $("article").hidden = true;
    }
    $("done").hidden = false;
    $("done").focus();
  }
}

// Problems, each next to the field its path names

function clearErrors() {
  for (const note of document.querySelectorAll(".field-error")) note.remove();
  for (const control of document.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
    const rest = (control.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && !id.startsWith("error-"));
    if (rest.length) control.setAttribute("aria-describedby", rest.join(" "));
    else control.removeAttribute("aria-describedby");
  }
  showProblem($("errors"), "");
}

// The container of the field `path` names: the record whose path is the longest prefix,
// then its field, or the field's list, or the record itself.
function spotOf(path, places) {
  const owner = places
    .filter(([prefix]) => prefix === "" || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`))
    .sort((a, b) => b[0].length - a[0].length)[0];
  if (!owner) return null;
  const [prefix, record] = owner;
  const own = [...record.querySelectorAll("[data-field]")].filter((c) => c.closest("[data-record]") === record);
  for (let rest = path.slice(prefix.length).replace(/^\./, ""); rest; rest = rest.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
    const found = own.find((c) => c.dataset.field.split(" ").includes(rest));
    if (found) return found;
    if (!/[.[]/.test(rest)) break;
  }
  return record;
}

function showErrors(problem, places, after) {
  clearErrors();
  const list = el("ul");
  for (const item of problem.errors || []) {
    const path = item.field || item.param || "";
    const spot = path ? spotOf(path, places) : null;
    const text = path ? `${path}: ${item.message}` : item.message;
    if (!spot) {
      list.append(el("li", {}, text));
      continue;
    }
    const note = el("span", { class: "field-error", id: uid("error") }, item.message);
    const control = spot.matches("input, select, textarea") ? spot : spot.querySelector("input, select, textarea");
    const state = spot.matches("[data-record]") && spot.querySelector(".state");
    if (state) state.after(note);
    else spot.append(note);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
    }
    for (let d = note.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    const target = control || note;
    const link = el("a", { href: `#${target.id}` }, text);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      target.focus?.();
    });
    list.append(el("li", {}, link));
  }
  const box = $("errors");
  box.replaceChildren(el("p", {}, `${problem.detail}. ${after}`), list.children.length ? list : "");
  box.hidden = false;
  box.focus();
}

// Words selected in the text (or typed in the "add" form) for a new record; a highlight
// selected leads to its record.
function listenToText() {
  const box = $("text");
  const words = $("pick-words");
  box.addEventListener("click", (event) => {
    const mark = event.target.closest("mark");
    if (mark && document.getSelection().isCollapsed) review.goTo(mark.dataset.records.split(" ")[0]);
  });
  document.addEventListener("selectionchange", () => {
    const selection = document.getSelection();
    if (!review || !selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!box.contains(range.startContainer) || !box.contains(range.endContainer)) return;
    let start = offsetIn(box, range.startContainer, range.startOffset);
    let end = offsetIn(box, range.endContainer, range.endOffset);
    const chars = review.words.chars;
    while (start < end && /\s/u.test(chars[start])) start++;
    while (end > start && /\s/u.test(chars[end - 1])) end--;
    if (start === end) return;
    review.pick = { ...holder(review.words.at(start, end), { start, end }), places: [] };
    words.value = review.pick.text;
    review.showPick();
  });
  words.addEventListener("input", () => {
    review.pick = locate(review.words, { ...holder(words.value, null), typed: true });
    review.showPick();
  });
  $("pick-which").addEventListener("change", (event) => {
    review.pick.occurrence = event.target.value ? Number(event.target.value) : null;
    locate(review.words, review.pick);
    review.showPick();
  });
  $("add-excerpt").addEventListener("click", () => review.addExcerpt());
  $("add-quote").addEventListener("click", () => review.addQuote());
  $("add-incident").addEventListener("click", () => review.addIncident());
}

// The two ways in

let review = null;

async function start(bundle, etag) {
  const next = new Review(bundle, etag);
  await next.loadNames();
  review = next;
  $("pick-words").value = "";
  review.showPick();
  review.render();
}

async function openStored() {
  const { body, etag } = await getTagged(`/v1/sources/${encodeURIComponent(EDITED)}/bundle`);
  await start(body, etag);
}

async function draft(event) {
  event.preventDefault();
  const form = $("article");
  const value = (id) => $(id).value.trim() || null;
  const body = { text: $("a-text").value || null, published_on: value("a-published_on"), publisher: value("a-publisher"), title: value("a-title"), dateline: value("a-dateline") };
  clearErrors();
  showProblem($("problem"), "");
  form.setAttribute("aria-busy", "true");
  try {
    const bundle = await withWriteKey((key) => sendJSON("POST", "/v1/drafts", { body, headers: { Authorization: `Bearer ${key}` } }));
    await start(bundle, null);
    $("draft").textContent = "Draft again (replaces the review below)";
    $("review-h").scrollIntoView({ block: "start" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 422 && error.problem?.errors) showErrors(error.problem, [["", form]], "Nothing was drafted.");
    else showProblem($("problem"), error instanceof NoKey ? error.message : describe(error));
  } finally {
    form.removeAttribute("aria-busy");
  }
}

function listen() {
  $("submit").addEventListener("submit", (event) => {
    event.preventDefault();
    review?.submit();
  });
  if (EDITED) return;
  $("article").addEventListener("submit", draft);
  $("a-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (file) $("a-text").value = await file.text();
  });
}

async function main() {
  listen();
  listenToText();
  try {
    if (EDITED) await openStored();
  } catch (error) {
    showProblem($("problem"), describe(error));
  }
  document.body.dataset.state = "ready";
}

main();
