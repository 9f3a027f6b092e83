// What the map shows, without the map: incidents per place under the filters, each place
// with its name and coordinates (`/v1/stats/incidents?group_by=location`), in one request:
// the map never reads every place nor every incident. Loaded with the page, so the request
// starts before the map library has arrived.

import { ApiError, getJSON } from "./api.js";

const { places } = window.explorerView; // view.js

// More places match than one answer of the API holds (its 422 on `group_by`).
function tooManyPlaces(error) {
  return error instanceof ApiError && error.status === 422 && (error.problem?.errors || []).some((e) => e.param === "group_by");
}

// {shown: [{row, place}], unplaced, tooMany}: places with coordinates and their counts, the
// number of matching incidents that have no place with coordinates, and whether more
// places match than can be asked for at once (then none is shown: the filters narrow them).
export async function incidentsByPlace(filters, signal) {
  let stats;
  try {
    stats = await getJSON(...places(filters), signal);
  } catch (error) {
    if (!tooManyPlaces(error)) throw error;
    return { shown: [], unplaced: 0, tooMany: true };
  }
  const shown = [];
  let unplaced = 0;
  for (const row of stats.data) {
    if (row.incidents === 0) continue;
    if (row.location !== null && row.location_latitude !== null && row.location_longitude !== null) {
      const place = { id: row.location, name: row.location_name, latitude: row.location_latitude, longitude: row.location_longitude };
      shown.push({ row, place });
    } else unplaced += row.incidents;
  }
  return { shown, unplaced, tooMany: false };
}
