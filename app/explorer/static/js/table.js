// The table of matching incidents: a page at a time, in the API's order, more by keyset cursor.
// The server writes the first page of the view it was asked for (app/explorer/pages/
// explore.html, rows as `row` makes them here): the first `show` of that view keeps it.

import { describe, getJSON } from "./api.js";
import { attributedTo, count, dates, el, fatalities, matched } from "./format.js";

const PAGE = "50";
const ORDER = {
  "-date": "newest first",
  date: "oldest first",
  "-fatalities": "most fatalities first",
  fatalities: "fewest fatalities first",
  updated_at: "least recently updated first",
};

function row(incident) {
  const place = incident.location;
  const cells = [
    ["Incident", el("a", { href: `/explore/incidents/${encodeURIComponent(incident.id)}` }, incident.title)],
    ["Date", dates(incident)],
    ["Place", place ? place.name : "", incident.admin1 ? el("span", { class: "sub" }, incident.admin1) : null],
    ["Country", incident.country_name || incident.country || ""],
    ["Event type", incident.event_type, el("span", { class: "sub" }, incident.sub_event_type)],
    ["Fatalities", fatalities(incident)],
    ["Attributed to", attributedTo(incident.attributed_to)],
  ];
  return el(
    "tr",
    { dataset: { id: incident.id } },
    cells.map(([name, ...content]) => el("td", { dataset: { label: name } }, content)),
  );
}

export class IncidentTable {
  constructor(table, more) {
    this.table = table;
    this.body = table.tBodies[0];
    this.caption = table.caption;
    this.more = more;
    this.cursor = null;
    more.addEventListener("click", () => this.loadMore());
  }

  async show(filters, sort, signal) {
    this.filters = filters;
    this.sort = sort;
    const served = this.served();
    if (served) {
      this.meta = served.meta;
      this.next(served);
      this.sortHeaders(sort);
      return this.meta;
    }
    this.table.setAttribute("aria-busy", "true");
    try {
      const page = await getJSON("/v1/incidents", [...filters, ["sort", sort], ["limit", PAGE]], signal);
      this.meta = page.meta;
      this.body.replaceChildren(...page.data.map(row));
      this.next(page);
      this.sortHeaders(sort);
      return page.meta;
    } catch (error) {
      this.body.replaceChildren();
      this.more.hidden = true;
      this.caption.textContent = "No incidents to show";
      throw error;
    } finally {
      this.table.removeAttribute("aria-busy");
    }
  }

  // The page the server wrote, if it is of the view now shown (once: later views are read).
  served() {
    const { view, total, totalRelation, cursor } = this.table.dataset;
    delete this.table.dataset.view;
    if (view === undefined || view !== window.location.search || total === undefined) return null;
    return { meta: { total: Number(total), total_relation: totalRelation, next_cursor: cursor || null } };
  }

  next(page) {
    this.cursor = page.meta.next_cursor;
    const shown = this.body.rows.length;
    this.caption.textContent =
      this.meta.total === 0
        ? "No incident matches these filters"
        : `${count(shown)} of ${matched(this.meta)}, ${ORDER[this.sort] || this.sort}`;
    this.more.hidden = !this.cursor;
    this.more.textContent = `Show ${Math.min(Number(PAGE), this.meta.total - shown)} more`;
  }

  async loadMore() {
    if (!this.cursor) return;
    this.more.disabled = true;
    try {
      const params = [...this.filters, ["sort", this.sort], ["limit", PAGE], ["cursor", this.cursor]];
      const page = await getJSON("/v1/incidents", params);
      const rows = page.data.map(row);
      this.body.append(...rows);
      this.next(page);
      rows[0]?.querySelector("a")?.focus(); // keyboard users carry on where the new rows start
    } catch (error) {
      this.caption.textContent = `Could not load more: ${describe(error)}`;
    } finally {
      this.more.disabled = false;
    }
  }

  sortHeaders(sort) {
    for (const [column, th] of [
      ["date", this.table.querySelector("#th-date")],
      ["fatalities", this.table.querySelector("#th-fatalities")],
    ]) {
      if (sort === column) th.setAttribute("aria-sort", "ascending");
      else if (sort === `-${column}`) th.setAttribute("aria-sort", "descending");
      else th.removeAttribute("aria-sort");
    }
  }
}
