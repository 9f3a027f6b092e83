// The map: one circle per place, sized by its number of matching incidents, over country
// outlines. Counts come from `/v1/stats/incidents?group_by=location` under the current
// filters, coordinates from `/v1/locations` (read once): the map never reads every incident.

import * as L from "../vendor/leaflet/leaflet-src.esm.js";
import { getAll, getJSON } from "./api.js";
import { count, el, plural } from "./format.js";

const OUTLINES = "/explore/static/vendor/world-atlas/countries-110m.json";
const ATTRIBUTION =
  'Outlines: <a href="https://www.naturalearthdata.com/">Natural Earth</a> (public domain) · ' +
  '<a href="https://leafletjs.com/">Leaflet</a>';
const REGION = [
  [12, 25],
  [42, 62],
];

// Where to write a country's name: the middle of its largest part's bounding box.
function labelPoint(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const ring = polygons.map((p) => p[0]).reduce((a, b) => (b.length > a.length ? b : a));
  const lons = ring.map((c) => c[0]);
  const lats = ring.map((c) => c[1]);
  return [(Math.min(...lats) + Math.max(...lats)) / 2, (Math.min(...lons) + Math.max(...lons)) / 2];
}

export class IncidentMap {
  constructor(container, { list, note, hrefFor }) {
    this.list = list;
    this.note = note;
    this.hrefFor = hrefFor; // (location id) -> the explorer's URL with that place as a filter
    this.map = L.map(container, { minZoom: 1, maxZoom: 12, zoomSnap: 0.25, worldCopyJump: true });
    this.map.attributionControl.setPrefix(false).addAttribution(ATTRIBUTION);
    this.map.fitBounds(REGION);
    this.markers = L.featureGroup().addTo(this.map);
    this.outlines = this.drawOutlines();
    this.locations = null;
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
        layer.getTooltip().setLatLng(labelPoint(feature.geometry));
      },
    }).addTo(this.map);
    const labels = () => this.map.getContainer().classList.toggle("show-labels", this.map.getZoom() >= 4);
    this.map.on("zoomend", labels);
    labels();
    this.markers.bringToFront();
  }

  // id -> location, read once for the page (a few thousand places at most).
  places() {
    if (!this.locations) {
      this.locations = getAll("/v1/locations").then((list) => new Map(list.map((l) => [l.id, l])));
      this.locations.catch(() => (this.locations = null)); // try again next time
    }
    return this.locations;
  }

  async show(filters, signal) {
    const [stats, places] = await Promise.all([
      getJSON("/v1/stats/incidents", [...filters, ["group_by", "location"]], signal),
      this.places(),
      this.outlines,
    ]);
    let unplaced = 0;
    const shown = [];
    for (const row of stats.data) {
      const place = places.get(row.location);
      if (row.incidents === 0) continue;
      if (place && place.latitude !== null && place.longitude !== null) shown.push({ row, place });
      else unplaced += row.incidents;
    }
    this.draw(shown, filters);
    const onMap = shown.reduce((sum, s) => sum + s.row.incidents, 0);
    this.note.textContent = unplaced
      ? `${plural(unplaced, "incident")} with no known place ${unplaced === 1 ? "is" : "are"} not on the map.`
      : "";
    this.map.getContainer().dataset.incidents = String(onMap);
    this.map.getContainer().dataset.places = String(shown.length);
    return onMap;
  }

  draw(shown, filters) {
    this.markers.clearLayers();
    const most = Math.max(1, ...shown.map((s) => s.row.incidents));
    shown.sort((a, b) => b.row.incidents - a.row.incidents); // small circles on top
    for (const { row, place } of shown) {
      const marker = L.circleMarker([place.latitude, place.longitude], {
        radius: 5 + 18 * Math.sqrt(row.incidents / most),
        color: "#7c2d12",
        weight: 1,
        fillColor: "#c2410c",
        fillOpacity: 0.55,
        className: "place-marker",
      });
      marker.bindTooltip(`${place.name}: ${plural(row.incidents, "incident")}`, { direction: "top" });
      marker.bindPopup(() => this.popup(place, row.incidents, filters), { maxWidth: 280 });
      marker.addTo(this.markers);
    }
    this.list.replaceChildren(
      ...shown.map(({ row, place }) =>
        el(
          "li",
          { dataset: { location: place.id, incidents: String(row.incidents) } },
          el("a", { href: this.hrefFor(place.id), "data-nav": true }, place.name),
          ` ${count(row.incidents)}`,
        ),
      ),
    );
    if (shown.length) {
      this.map.fitBounds(this.markers.getBounds(), { padding: [40, 40], maxZoom: 5 });
    }
  }

  // A place's popup: its count, its first incidents under the filters, and a filter link.
  popup(place, incidents, filters) {
    const list = el("ul", { class: "popup-list" }, el("li", {}, "Loading…"));
    const params = [...filters.filter(([name]) => name !== "location"), ["location", place.id], ["limit", "5"]];
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
      el("p", {}, `${plural(incidents, "incident")} here under these filters`),
      list,
      el("a", { href: this.hrefFor(place.id), "data-nav": true }, "Show only this place"),
    );
  }
}
