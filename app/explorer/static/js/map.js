// The map: places with matching incidents as circles sized by their count, over country
// outlines, drawn on a canvas. Up to a few hundred places, each is its own circle; beyond,
// places closer than a cell of the screen are gathered into one circle (again at each
// zoom), so thousands of places stay readable. The counts and places come from places.js.

import * as L from "../vendor/leaflet/leaflet-src.esm.js";
import { getJSON } from "./api.js";
import { count, el, plural } from "./format.js";

const OUTLINES = "/explore/static/vendor/world-atlas/countries-110m.json";
const ATTRIBUTION =
  'Outlines: <a href="https://www.naturalearthdata.com/">Natural Earth</a> (public domain) · ' +
  '<a href="https://leafletjs.com/">Leaflet</a>';
const REGION = [
  [12, 25],
  [42, 62],
];
const CELL = 40; // px: places nearer than this on screen share a circle...
const GATHER_ABOVE = 200; // ...when there are more places than this

const LABELS_FROM = 4; // zoom: country names are written from here in
// Where a name may go, in steps of its own width and height from its country's point: the
// point, then below and above it, then beside those.
const NUDGES = [0, 1, -1, 2, -2, 3, -3].flatMap((dy) => [0, -0.6, 0.6].map((dx) => [dx, dy * 1.1]));

const rings = (geometry) => (geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates).map((p) => p[0]);

// Where to write a country's name: the middle of its largest part's bounding box.
function labelPoint(geometry) {
  const ring = rings(geometry).reduce((a, b) => (b.length > a.length ? b : a));
  const lons = ring.map((c) => c[0]);
  const lats = ring.map((c) => c[1]);
  return [(Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2];
}

// A country's area in square degrees (enough to rank names: larger countries first).
function area(geometry) {
  let total = 0;
  for (const ring of rings(geometry)) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      total += (ring[j][0] + ring[i][0]) * (ring[j][1] - ring[i][1]);
    }
  }
  return Math.abs(total / 2);
}

function contains(geometry, { lat, lng }) {
  return rings(geometry).some((ring) => {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  });
}

const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

const sum = (group) => group.reduce((total, s) => total + s.row.incidents, 0);

export class IncidentMap {
  constructor(container, { list, note, hrefFor }) {
    this.list = list;
    this.note = note;
    this.hrefFor = hrefFor; // (location id) -> the explorer's URL with that place as a filter
    this.map = L.map(container, {
      minZoom: 1,
      maxZoom: 12,
      zoomSnap: 0.25,
      worldCopyJump: true,
      preferCanvas: true,
    });
    this.map.attributionControl.setPrefix(false).addAttribution(ATTRIBUTION);
    this.map.fitBounds(REGION);
    this.markers = L.featureGroup().addTo(this.map);
    this.shown = [];
    this.outlines = this.drawOutlines();
    this.labels = [];
    this.map.on("zoomend", () => this.drawCircles());
  }

  async drawOutlines() {
    const topology = await (await fetch(OUTLINES)).json();
    const countries = window.topojson.feature(topology, topology.objects.countries);
    L.geoJSON(countries, {
      interactive: false,
      style: { color: "#8c8577", weight: 0.8, fillColor: "#efebe2", fillOpacity: 1 },
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(feature.properties.name, {
          permanent: true,
          direction: "center",
          className: "country-label",
          interactive: false,
        });
        const tooltip = layer.getTooltip().setLatLng(labelPoint(feature.geometry));
        this.labels.push({ tooltip, geometry: feature.geometry, area: area(feature.geometry) });
      },
    }).addTo(this.map);
    this.labels.sort((a, b) => b.area - a.area);
    this.markers.bringToFront();
    this.placeLabels();
  }

  // Write each country's name where it covers neither a circle nor a name already written,
  // larger countries first: at its point, or nudged within its country, or not at all.
  placeLabels() {
    const container = this.map.getContainer();
    const shown = this.map.getZoom() >= LABELS_FROM;
    container.classList.toggle("show-labels", shown);
    if (!shown || !this.labels.length) return;
    const frame = container.getBoundingClientRect();
    const taken = this.markers.getLayers().map((circle) => {
      const { x, y } = this.map.latLngToContainerPoint(circle.getLatLng());
      const r = circle.getRadius() + circle.options.weight;
      return { left: x - r, top: y - r, right: x + r, bottom: y + r };
    });
    for (const { tooltip } of this.labels) tooltip.getElement().style.translate = "";
    const boxes = this.labels.map(({ tooltip }) => tooltip.getElement().getBoundingClientRect());
    this.labels.forEach(({ tooltip, geometry }, n) => {
      const { left, top, width, height } = boxes[n];
      const x = left - frame.left + width / 2;
      const y = top - frame.top + height / 2;
      const nudge = NUDGES.map(([dx, dy]) => [dx * width, dy * height]).find(([dx, dy]) => {
        const box = { left: x + dx - width / 2, top: y + dy - height / 2, right: x + dx + width / 2, bottom: y + dy + height / 2 };
        if (taken.some((t) => overlap(t, box))) return false;
        if ((dx || dy) && !contains(geometry, this.map.containerPointToLatLng([x + dx, y + dy]))) return false;
        taken.push(box);
        return true;
      });
      const element = tooltip.getElement();
      element.classList.toggle("crowded", !nudge);
      if (nudge) element.style.translate = `${nudge[0]}px ${nudge[1]}px`;
    });
  }

  // Draw what `incidentsByPlace` (places.js) found.
  async show({ shown, unplaced, tooMany }, filters) {
    await this.outlines;
    this.shown = [...shown].sort((a, b) => b.row.incidents - a.row.incidents);
    this.filters = filters;
    this.list.replaceChildren(
      ...this.shown.map(({ row, place }) =>
        el(
          "li",
          { dataset: { location: place.id, incidents: String(row.incidents) } },
          el("a", { href: this.hrefFor(place.id), "data-nav": true }, place.name),
          ` ${count(row.incidents)}`,
        ),
      ),
    );
    const container = this.map.getContainer();
    const onMap = sum(this.shown);
    container.dataset.incidents = String(onMap);
    container.dataset.places = String(this.shown.length);
    container.dataset.tooMany = String(tooMany);
    this.note.textContent = tooMany
      ? "More places match than the map draws at once: choose a country, a place or narrower dates to see them."
      : unplaced
        ? `${plural(unplaced, "incident")} with no known place ${unplaced === 1 ? "is" : "are"} not on the map.`
        : "";
    if (this.shown.length) {
      const bounds = L.latLngBounds(this.shown.map(({ place }) => [place.latitude, place.longitude]));
      this.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 5, animate: false });
    }
    this.drawCircles(); // fitBounds may not zoom: draw in any case
    return onMap;
  }

  // Gather the places by screen cell at this zoom (if there are many), one circle per cell.
  drawCircles() {
    const zoom = this.map.getZoom();
    const cells = new Map();
    for (const s of this.shown) {
      const p = this.map.project([s.place.latitude, s.place.longitude], zoom);
      const key = this.shown.length > GATHER_ABOVE ? `${Math.floor(p.x / CELL)}:${Math.floor(p.y / CELL)}` : s.place.id;
      if (!cells.has(key)) cells.set(key, []);
      cells.get(key).push(s);
    }
    const groups = [...cells.values()].sort((a, b) => sum(b) - sum(a)); // small ones on top
    const most = Math.max(1, ...groups.map(sum));
    this.markers.clearLayers();
    for (const group of groups) {
      const incidents = sum(group);
      const at = group.length === 1 ? group[0].place : this.middle(group, zoom);
      const circle = L.circleMarker([at.latitude, at.longitude], {
        radius: 5 + 18 * Math.sqrt(incidents / most),
        color: "#7c2d12",
        weight: group.length === 1 ? 1 : 2.5,
        fillColor: "#c2410c",
        fillOpacity: 0.55,
      });
      const name = group.length === 1 ? group[0].place.name : `${count(group.length)} places`;
      circle.bindTooltip(`${name}: ${plural(incidents, "incident")}`, { direction: "top" });
      circle.bindPopup(() => (group.length === 1 ? this.placePopup(group[0]) : this.groupPopup(group)), {
        maxWidth: 280,
      });
      circle.addTo(this.markers);
    }
    this.map.getContainer().dataset.circles = String(groups.length);
    this.placeLabels();
  }

  // The middle of a group's places, weighted by their incidents, in screen space.
  middle(group, zoom) {
    let x = 0;
    let y = 0;
    const total = sum(group);
    for (const s of group) {
      const p = this.map.project([s.place.latitude, s.place.longitude], zoom);
      x += (p.x * s.row.incidents) / total;
      y += (p.y * s.row.incidents) / total;
    }
    const { lat, lng } = this.map.unproject([x, y], zoom);
    return { latitude: lat, longitude: lng };
  }

  // A place's popup: its count, its first incidents under the filters, and a filter link.
  placePopup({ row, place }) {
    const list = el("ul", { class: "popup-list" }, el("li", {}, "Loading…"));
    const params = [...this.filters.filter(([name]) => name !== "location"), ["location", place.id], ["limit", "5"]];
    getJSON("/v1/incidents", params)
      .then((page) =>
        list.replaceChildren(
          ...page.data.map((i) =>
            el("li", {}, el("a", { href: `/explore/incidents/${encodeURIComponent(i.id)}` }, i.title)),
          ),
        ),
      )
      .catch(() => list.replaceChildren(el("li", {}, "Could not load the incidents.")));
    return el(
      "div",
      { class: "popup" },
      el("strong", {}, place.name),
      el("p", {}, `${plural(row.incidents, "incident")} here under these filters`),
      list,
      el("a", { href: this.hrefFor(place.id), "data-nav": true }, "Show only this place"),
    );
  }

  // A group's popup: its busiest places, and a way in.
  groupPopup(group) {
    const zoomIn = el("button", { type: "button" }, "Zoom in");
    zoomIn.addEventListener("click", () =>
      this.map.fitBounds(
        L.latLngBounds(group.map(({ place }) => [place.latitude, place.longitude])),
        { padding: [40, 40], maxZoom: 12 },
      ),
    );
    return el(
      "div",
      { class: "popup" },
      el("strong", {}, `${count(group.length)} places, ${plural(sum(group), "incident")}`),
      el(
        "ul",
        { class: "popup-list" },
        group.slice(0, 5).map(({ row, place }) =>
          el("li", {}, el("a", { href: this.hrefFor(place.id), "data-nav": true }, place.name), ` ${count(row.incidents)}`),
        ),
      ),
      group.length > 5 ? el("p", {}, `and ${count(group.length - 5)} more`) : null,
      zoomIn,
    );
  }
}
