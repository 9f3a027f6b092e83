// Building DOM from records, and the conventions every page shows them with (the server
// writes the same in app/explorer/pages/_format.html).

// An element with attributes and children (strings become text, never HTML).
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const numbers = new Intl.NumberFormat("en");
export const count = (n) => numbers.format(n);
export const plural = (n, one, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
// A list's total (meta.total, meta.total_relation): "at least" where it is a lower bound.
export const matched = ({ total, total_relation }) =>
  total_relation === "gte" ? `at least ${count(total)} incidents` : plural(total, "incident");

// "Not said" (null) must never look like zero.
export function notSaid(what = "The source does not say") {
  return el("span", { class: "not-said", title: what }, "not said");
}

export function figure(value) {
  return value === null || value === undefined ? notSaid() : count(value);
}

// Fatalities in a list: the figure, and the low and high estimates where a dataset gave them.
export function fatalities(incident) {
  const { fatalities: best, fatalities_low: low, fatalities_high: high } = incident;
  const given = (n) => n !== null && n !== undefined;
  if (!given(low) && !given(high)) return figure(best);
  const title = "Low and high estimates";
  return [figure(best), " ", el("span", { class: "estimates", title }, "(", figure(low), "–", figure(high), ")")];
}

// A badge on a value the editor added rather than read in the source.
export function addedMark() {
  return el(
    "a",
    { class: "added", href: "#notes", title: "Added by the editor, not read in the source: see the notes" },
    "added",
  );
}

const MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");

export function day(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

// An incident's dates as precise as the record says they are.
export function dates(incident) {
  const { date_start: start, date_end: end, date_precision: precision } = incident;
  const [y, m] = start.split("-").map(Number);
  const span = start === end ? day(start) : `${day(start)} – ${day(end)}`;
  switch (precision) {
    case "day":
      return span;
    case "week":
      return `week of ${day(start)}`;
    case "month":
      return `${MONTHS[m - 1]} ${y}`;
    case "year":
      return String(y);
    case "approximate":
      return `about ${span}`;
    default: // range
      return span;
  }
}

export const STANCE_VERBS = {
  claimed: "claimed",
  acknowledged: "acknowledged",
  accused: "accused",
  suspected: "suspected",
  denied: "denied",
};

export const label = (value) => (value ? String(value).replaceAll("_", " ") : "");

// Who an incident is attributed to, one actor a line with the stances taken.
export function attributedTo(list) {
  const byActor = new Map();
  for (const a of list || []) {
    const entry = byActor.get(a.actor_id) || { name: a.actor_name, stances: new Set() };
    entry.stances.add(a.stance);
    byActor.set(a.actor_id, entry);
  }
  return [...byActor.values()].map(({ name, stances }) =>
    el("span", { class: "claim" }, name, " ", el("span", { class: "stance" }, `(${[...stances].join(", ")})`)),
  );
}

// Who said a quote, with the title as the source writes it, how and when.
export function saidBy(quote, speaker) {
  return [
    el("strong", {}, speaker),
    ", ",
    quote.speaker_title
      ? el("span", { class: "as-written", title: "The title as the source writes it" }, quote.speaker_title)
      : notSaid("The source gives no title"),
    el("span", { class: "sub" }, label(quote.channel), " · ", quote.said_on ? day(quote.said_on) : ["day ", notSaid("The source does not say when")]),
  ];
}

export function showProblem(box, message) {
  box.hidden = !message;
  box.textContent = message || "";
}
