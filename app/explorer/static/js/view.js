// What a view of /explore asks the API, from the page's query string: one definition for
// the page's modules (explore.js, timeline.js, places.js) and for asking the first view's
// aggregates at once. A classic script, not a module: the page loads it before its modules
// (parser-blocking, and small), and it runs as soon as it is in, where the page's modules
// run some 200 ms after the page arrives (docs/benchmarks.md, eleventh stop). The answers
// wait in `explorerView.asked` until api.js takes each, rather than asking again.
"use strict";

window.explorerView = (() => {
  const VIEW = ["sort", "group_by"]; // how to show, not what
  const NOT_FILTERS = new Set([...VIEW, "limit", "cursor", "format"]);
  const UNITS = ["day", "week", "month", "year"];

  // The API filters of a query string: every parameter but the view's, empty ones dropped.
  const filtersOf = (search) => [...search].filter(([name, value]) => value !== "" && !NOT_FILTERS.has(name));

  // A bucket that keeps the chart readable for the dates asked for (month when open-ended).
  function autoUnit(dateFrom, dateTo) {
    if (!dateFrom || !dateTo) return "month";
    const days = (Date.parse(dateTo) - Date.parse(dateFrom)) / 86_400_000 + 1;
    if (days <= 92) return "day";
    if (days <= 2 * 366) return "week";
    if (days <= 40 * 366) return "month";
    return "year";
  }

  // The timeline's bars: `group_by` if it is a time bucket, else one for the dates.
  function unitOf(search) {
    const unit = search.get("group_by") || autoUnit(search.get("date_from"), search.get("date_to"));
    return UNITS.includes(unit) ? unit : "month";
  }

  const view = {
    filtersOf,
    isView: (name) => VIEW.includes(name),
    unitOf,
    // The stats of the timeline's bars, and of the map (incidents per place).
    bars: (filters, unit) => ["/v1/stats/incidents", [...filters, ["group_by", unit]]],
    places: (filters) => ["/v1/stats/incidents", [...filters, ["group_by", "location"]]],
    asked: new Map(), // URL → the fetch of its JSON, begun here
  };

  // The first view's aggregates (its table's first page comes with the page).
  const search = new URLSearchParams(window.location.search);
  const filters = filtersOf(search);
  for (const [path, params] of [view.places(filters), view.bars(filters, unitOf(search))]) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of params) url.searchParams.append(name, value);
    view.asked.set(url.href, fetch(url, { headers: { Accept: "application/json" } }));
  }
  return view;
})();
