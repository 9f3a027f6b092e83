// Form controls bound to a record's fields, for the review page. Each is a labelled control in
// a container whose `data-field` names the field as the bundle does (`date_start`,
// `weapons[0].kind`), so that a 422's `errors[].field` finds the control it is about.

import { el } from "./format.js";

let serial = 0;
export const uid = (prefix = "f") => `${prefix}-${++serial}`;

export function field(names, label, control, ...more) {
  control.id ||= uid();
  return el("p", { class: "field", dataset: { field: names } }, el("label", { for: control.id }, label), control, ...more);
}

// How a control's text becomes the field's value: empty is null (not said); a count or a
// number is one when it reads as one, else the text as typed, which the server then refuses
// by name, next to this control.
const READ = {
  text: (v) => (v.trim() === "" ? null : v),
  count: (v) => (v.trim() === "" ? null : /^\d+$/.test(v.trim()) ? Number(v.trim()) : v),
  number: (v) => (v.trim() === "" ? null : Number.isFinite(Number(v)) ? Number(v) : v),
  lines: (v) => v.split("\n").map((line) => line.trim()).filter(Boolean),
};

// A text, date, count, number or lines field bound to `record[name]`.
export function input(record, name, label, changed, { read = "text", type = "text", rows = 0, path = name } = {}) {
  const value = record[name];
  const control = rows ? el("textarea", { rows }) : el("input", { type, inputmode: { count: "numeric", number: "decimal" }[read] });
  control.value = read === "lines" ? (value || []).join("\n") : (value ?? "");
  control.addEventListener("input", () => {
    record[name] = READ[read](control.value);
    changed(name);
  });
  return field(path, label, control);
}

// A <select> of `options` ([value, label], or {group, options} for an <optgroup>); a value
// the options lack is kept (and shown as such), so that it round-trips and the server says why.
export function choice(names, label, options, current, pick) {
  const option = ([value, text]) => el("option", { value }, text);
  const control = el("select", {}, options.map((o) => (o.group ? el("optgroup", { label: o.group }, o.options.map(option)) : option(o))));
  if (![...control.options].some((o) => o.value === current)) control.append(option([current, `${current} (not in the vocabulary)`]));
  control.value = current;
  control.addEventListener("change", () => pick(control.value));
  return field(names, label, control);
}

// Check boxes for a list field: `values` ([value, label]) each in or out of `record[name]`.
export function checkboxes(record, name, legend, values, changed) {
  const chosen = new Set(record[name]);
  return el(
    "fieldset",
    { class: "checks", dataset: { field: name } },
    el("legend", {}, legend),
    values.map(([value, text]) => {
      const box = el("input", { type: "checkbox", id: uid(), checked: chosen.has(value) });
      box.addEventListener("change", () => {
        record[name] = box.checked ? [...record[name], value] : record[name].filter((v) => v !== value);
        changed(name);
      });
      return el("span", { class: "check" }, box, el("label", { for: box.id }, text));
    }),
  );
}

// Where `holder.text` is in `source` (a SourceWords), as the matcher finds it: its span, or
// the places to choose from (`holder.occurrence`), or why it is nowhere.
export function locate(source, holder) {
  const found = holder.text.trim() ? source.find(holder.text, holder.occurrence) : { places: [], problem: "" };
  Object.assign(holder, { start: found.start ?? null, end: found.end ?? null, places: found.places, problem: found.problem });
  return holder;
}

export function whereText(holder) {
  if (holder.start !== null && holder.start !== undefined) return `In the text at characters ${holder.start}–${holder.end}.`;
  return holder.problem ? `These words are ${holder.problem}.` : "";
}

// The places words occur, to choose one in `select` (where they occur more than once).
export function showPlaces(select, source, holder) {
  const places = holder.places || [];
  select.replaceChildren(
    el("option", { value: "" }, "choose"),
    ...places.map(([start, end], n) => el("option", { value: n + 1, selected: holder.occurrence === n + 1 }, `${n + 1}: ${source.context(start, end)}`)),
  );
}

// The words of an excerpt or a quote: as stored, selected in the text, or typed (then found
// as the matcher would). `holder` is {text, start, end, typed, occurrence}.
export function wordsField(names, label, source, holder, changed) {
  const control = el("textarea", { rows: 3, id: uid() });
  control.value = holder.text;
  const where = el("span", { class: "where", id: uid("where"), "aria-live": "polite" });
  control.setAttribute("aria-describedby", where.id);
  const which = el("select", { id: uid() });
  const whichField = el("span", { class: "which" }, el("label", { for: which.id }, "Which place"), which);
  const show = () => {
    where.textContent = whereText(holder);
    whichField.hidden = !(holder.places?.length > 1);
    showPlaces(which, source, holder);
  };
  control.addEventListener("input", () => {
    Object.assign(holder, { text: control.value, typed: true, occurrence: null });
    locate(source, holder);
    show();
    changed();
  });
  which.addEventListener("change", () => {
    holder.occurrence = which.value ? Number(which.value) : null;
    locate(source, holder);
    show();
    changed();
  });
  if (holder.typed) locate(source, holder);
  show();
  return field(names, label, control, where, whichField);
}
