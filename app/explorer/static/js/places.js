// What the map shows, without the map: incidents per place under the filters
// (`/v1/stats/incidents?group_by=location`) and where each place is (`/v1/locations`, read
// once for the page: a few thousand places at most). Loaded with the page, so these
// requests start before the map library has arrived.

import { getAll, getJSON } from "./api.js";

let locations = null;

function coordinates() {
  if (!locations) {
    locations = getAll("/v1/locations").then((list) => new Map(list.map((l) => [l.id, l])));
    locations.catch(() => (locations = null)); // try again next time
  }
  return locations;
}

// {shown: [{row, place}], unplaced}: places with coordinates and their counts, and the
// number of matching incidents that have no place with coordinates.
export async function incidentsByPlace(filters, signal) {
  const [stats, places] = await Promise.all([
    getJSON("/v1/stats/incidents", [...filters, ["group_by", "location"]], signal),
    coordinates(),
  ]);
  const shown = [];
  let unplaced = 0;
  for (const row of stats.data) {
    const place = places.get(row.location);
    if (row.incidents === 0) continue;
    if (place && place.latitude !== null && place.longitude !== null) shown.push({ row, place });
    else unplaced += row.incidents;
  }
  return { shown, unplaced };
}
