// The public API as the pages use it: JSON GETs and writes whose errors keep the problem's words.

export class ApiError extends Error {
  constructor(status, problem, url) {
    super(problem?.detail || `${url.pathname} answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function apiUrl(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of params || []) url.searchParams.append(name, value);
  return url;
}

async function checked(response, url) {
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      // not a problem document: the status says enough
    }
    throw new ApiError(response.status, problem, url);
  }
  return response;
}

async function get(path, params, signal, accept) {
  const url = apiUrl(path, params);
  // JSON that /explore's view.js asked for before this module ran: taken, not asked again.
  const early = accept === "application/json" ? window.explorerView?.asked : undefined;
  const asked = early?.get(url.href);
  if (asked) {
    early.delete(url.href);
    const response = await asked;
    signal?.throwIfAborted();
    return checked(response, url);
  }
  return checked(await fetch(url, { headers: { Accept: accept }, signal }), url);
}

// A JSON document and its ETag (what `If-Match` repeats to change it).
export async function getTagged(path) {
  const response = await get(path, null, undefined, "application/json");
  return { body: await response.json(), etag: response.headers.get("ETag") };
}

// A write with a JSON body: its JSON answer, or an ApiError with the problem.
export async function sendJSON(method, path, { params, body, headers } = {}) {
  const url = apiUrl(path, params);
  const init = { method, headers: { Accept: "application/json", "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) };
  return (await checked(await fetch(url, init), url)).json();
}

export async function getJSON(path, params, signal) {
  return (await get(path, params, signal, "application/json")).json();
}

export async function getText(path, signal) {
  return (await get(path, null, signal, "text/plain")).text();
}

// Every page of a list, following `links.next` (for small lists: places, actors).
export async function getAll(path, params, signal) {
  const first = await getJSON(path, [...(params || []), ["limit", "1000"]], signal);
  const data = [...first.data];
  let next = first.links.next;
  while (next) {
    const { pathname, search } = new URL(next); // the API's own link, on this origin
    const page = await getJSON(pathname + search, null, signal);
    data.push(...page.data);
    next = page.links.next;
  }
  return data;
}

// What to tell a reader when a request failed: the problem's detail and its items.
export function describe(error) {
  if (error instanceof ApiError && error.problem) {
    const items = (error.problem.errors || []).map((e) => `${e.param || e.field}: ${e.message}`);
    const detail = error.problem.detail || error.problem.title;
    return items.length && !items.some((i) => detail.includes(i)) ? `${detail} (${items.join("; ")})` : detail;
  }
  return String(error.message || error);
}

export function isAbort(error) {
  return error?.name === "AbortError";
}
