// /explore: the filters, map, timeline and table, all driven by the page's query string,
// which uses the API's own parameter names. Every filter in the URL goes to the API as it
// is (an unknown one gets the API's own 400, shown here); `sort` orders the table and
// `group_by` sets the timeline's bars. History entries are views: back and forward work.

import { describe, getAll, getJSON, isAbort } from "./api.js";
import { count, el, matched, plural, showProblem } from "./format.js";
import { incidentsByPlace } from "./places.js";
import { IncidentTable } from "./table.js";
import { Timeline } from "./timeline.js";

const { filtersOf, isView, unitOf } = window.explorerView; // view.js

const FORM_FILTERS = ["country", "date_from", "date_to", "attributed_to", "actor", "event_type", "q"];
const ACTOR_FILTERS = ["attributed_to", "actor"];

const $ = (id) => document.getElementById(id);
const form = $("filters");
const field = (name) => $(`f-${name}`);

function viewUrl(search) {
  const query = search.toString();
  return query ? `/explore?${query}` : "/explore";
}

// Actors by id, and by lower-cased name or alias, read when a name field is first used.
const actors = { byId: new Map(), byName: new Map(), loading: null };

function loadActors() {
  actors.loading ||= getAll("/v1/actors").then((list) => {
    for (const a of list) {
      actors.byId.set(a.id, a);
      for (const name of [a.name, ...(a.aliases || [])]) actors.byName.set(name.toLowerCase(), a.id);
    }
    const groups = list.filter((a) => a.kind !== "person");
    $("actor-names").replaceChildren(
      ...groups.map((a) =>
        el("option", {
          value: a.name,
          label: a.children?.length ? `umbrella of ${plural(a.children.length, "group")}` : a.kind.replaceAll("_", " "),
        }),
      ),
      ...list.filter((a) => a.kind === "person").map((a) => el("option", { value: a.name })),
    );
  });
  actors.loading.catch(() => (actors.loading = null));
  return actors.loading;
}

async function actorName(id) {
  if (!actors.byId.has(id)) {
    try {
      actors.byId.set(id, await getJSON(`/v1/actors/${encodeURIComponent(id)}`));
    } catch {
      return id; // not an id we know: the API will say so
    }
  }
  return actors.byId.get(id).name;
}

// A name typed in an actor field becomes the id the API takes (a value matching no name
// is sent as typed, and the API's answer says what is wrong with it).
async function actorIds(text) {
  const parts = text.split(",").map((p) => p.trim()).filter(Boolean);
  if (parts.some((p) => !actors.byId.has(p))) await loadActors().catch(() => null);
  return parts.map((p) => (actors.byId.has(p) ? p : actors.byName.get(p.toLowerCase()) || p)).join(",");
}

// The form shows the URL's filters.
function showFilters(search) {
  for (const name of FORM_FILTERS) {
    const input = field(name);
    const value = search.getAll(name).join(",");
    if (input.tagName === "SELECT" && value && ![...input.options].some((o) => o.value === value)) {
      input.append(el("option", { value }, value));
    }
    input.value = value;
  }
  for (const name of ACTOR_FILTERS) {
    const ids = search.getAll(name).join(",");
    if (!ids) continue;
    Promise.all(ids.split(",").map(actorName)).then((names) => {
      if (field(name).value === ids) field(name).value = names.join(", ");
    });
  }
  $("f-sort").value = search.get("sort") || "-date";
  $("f-group_by").value = search.get("group_by") || "";
  const others = [...search].filter(([name]) => !FORM_FILTERS.includes(name) && !isView(name));
  const box = $("other-filters");
  box.hidden = others.length === 0;
  box.replaceChildren(
    el("span", {}, "Also filtered by:"),
    ...others.map(([name, value]) => {
      const rest = new URLSearchParams(search);
      rest.delete(name);
      return el(
        "a",
        { href: viewUrl(rest), "data-nav": true, class: "chip", title: `Remove the filter ${name}` },
        `${name} = ${value} ✕`,
      );
    }),
  );
}

// The URL the form describes, keeping the filters it has no field for.
async function searchFromForm() {
  const search = new URLSearchParams(window.location.search);
  for (const name of FORM_FILTERS) {
    let value = field(name).value.trim();
    if (ACTOR_FILTERS.includes(name) && value) value = await actorIds(value);
    if (value) search.set(name, value);
    else search.delete(name);
  }
  return search;
}

// Showing a view: the three parts at once, each from its own aggregate or page.
let current = null;

async function show(search) {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  document.body.dataset.state = "loading";
  showFilters(search);
  const filters = filtersOf(search);
  const unit = unitOf(search);
  const results = await Promise.allSettled([
    table.show(filters, search.get("sort") || "-date", controller.signal),
    timeline.show(filters, unit, controller.signal),
    showMap(filters, controller.signal),
  ]);
  if (controller.signal.aborted) return;
  const failed = results.find((r) => r.status === "rejected" && !isAbort(r.reason));
  showProblem($("problem"), failed ? describe(failed.reason) : "");
  const meta = results[0].status === "fulfilled" ? results[0].value : null;
  const total = meta && meta.total_relation !== "gte" ? meta.total : null; // null: not exact
  const barred = results[1].status === "fulfilled" ? results[1].value : null;
  const before = total !== null && barred !== null ? total - barred : 0;
  // Bars count an incident on its first day; the list takes every incident overlapping the dates.
  $("timeline-note").textContent =
    before > 0 && search.get("date_from")
      ? `${plural(before, "incident")} that began before ${search.get("date_from")} ${before === 1 ? "is" : "are"} in the table and on the map, not in these bars.`
      : "";
  $("summary").textContent = meta === null ? "The record could not be read." : `${matched(meta)} match.`;
  const shown = meta === null ? "" : `${count(meta.total)}${meta.total_relation === "gte" ? "+" : ""} · `;
  document.title = `${shown}Explore the record · incident-record`;
  document.body.dataset.view = window.location.search;
  document.body.dataset.readyAt = performance.now().toFixed(1);
  document.body.dataset.state = "ready";
}

function go(search) {
  const url = viewUrl(search);
  if (url !== window.location.pathname + window.location.search) {
    window.history.pushState(null, "", url);
  }
  show(new URLSearchParams(window.location.search)).then(loadVocabularies);
}

function setting(name, value) {
  const search = new URLSearchParams(window.location.search);
  if (value) search.set(name, value);
  else search.delete(name);
  go(search);
}

const table = new IncidentTable($("incidents"), $("more"));
const timeline = new Timeline($("timeline"), {
  cursorStatus: $("timeline-cursor"),
  onSelect(from, to) {
    const search = new URLSearchParams(window.location.search);
    search.set("date_from", from);
    search.set("date_to", to);
    go(search);
  },
});
// The map library is the page's largest file: it loads while the data is being asked for.
const map = import("./map.js").then(
  ({ IncidentMap }) =>
    new IncidentMap($("map"), {
      list: $("place-list"),
      note: $("map-note"),
      hrefFor(location) {
        const search = new URLSearchParams(window.location.search);
        search.set("location", location);
        return viewUrl(search);
      },
    }),
);

async function showMap(filters, signal) {
  const [drawing, data] = await Promise.all([map, incidentsByPlace(filters, signal)]);
  signal.throwIfAborted();
  return drawing.show(data, filters);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  go(await searchFromForm());
});
form.addEventListener("change", async (event) => {
  if (event.target.type === "search" || ACTOR_FILTERS.includes(event.target.name)) return; // on submit
  go(await searchFromForm());
});
for (const name of ACTOR_FILTERS) field(name).addEventListener("focus", () => loadActors(), { once: true });
$("f-sort").addEventListener("change", (event) => setting("sort", event.target.value === "-date" ? "" : event.target.value));
$("f-group_by").addEventListener("change", (event) => setting("group_by", event.target.value));
$("reset").addEventListener("click", (event) => {
  event.preventDefault();
  go(new URLSearchParams());
});

// Links to other views of this page change the view without reloading it.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-nav]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  go(new URL(link.href).searchParams);
});
window.addEventListener("popstate", () => show(new URLSearchParams(window.location.search)));

// The vocabularies of the selects (countries present in the record, ACLED's event types),
// read once the first view is drawn so that they do not delay it. Until then a select
// holds the URL's value.
function fill(select, first, options) {
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, first), ...options);
  if (chosen && ![...select.options].some((o) => o.value === chosen)) select.append(el("option", { value: chosen }, chosen));
  select.value = chosen;
}

function loadVocabularies() {
  const countries = getJSON("/v1/countries")
    .then((page) =>
      fill(
        field("country"),
        "All countries",
        page.data.map((c) => el("option", { value: c.country }, `${c.country_name} (${count(c.incident_count)})`)),
      ),
    )
    .catch(() => null);
  const types = getJSON("/v1/event-types")
    .then((page) =>
      fill(
        field("event_type"),
        "All event types",
        [...new Set(page.data.map((t) => t.event_type))].map((t) => el("option", { value: t }, t)),
      ),
    )
    .catch(() => null);
  // Both lists in (or failed, quietly): for whoever waits on the page, as the tests do.
  Promise.all([countries, types]).then(() => {
    document.body.dataset.vocabularies = "ready";
  });
}

show(new URLSearchParams(window.location.search)).then(loadVocabularies);
