"""A Python client for notebooks and scripts, on httpx.

    from app.client import Client
    api = Client("http://127.0.0.1:8000")
    rows = api.stats("month,country", date_from="2021-12-01", as_frame=True)

Filters take the API's own names; a list (or a comma-separated string) means OR, and
`date`/`datetime` values are sent as ISO text. `iter_*` follows the cursors to the end.
"""

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, overload

import httpx

if TYPE_CHECKING:
    import pandas

Params = list[tuple[str, str]]
Filter = str | int | float | bool | date | datetime | Sequence[str] | None


class ApiError(Exception):
    """An error answer of the API, carrying its RFC 9457 problem document."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem = dict(problem)
        self.errors: list[dict[str, Any]] = list(problem.get("errors") or [])
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def to_params(filters: Mapping[str, Filter]) -> Params:
    """Query parameters: lists repeat the parameter, None leaves it out."""
    params: Params = []
    for name, value in filters.items():
        if value is None:
            continue
        values = value if isinstance(value, list | tuple | set) else [value]
        params += [(name, _text(v)) for v in values]
    return params


def to_frame(rows: Sequence[Mapping[str, Any]] | Iterator[dict[str, Any]]) -> "pandas.DataFrame":
    """Rows as a pandas DataFrame (pandas is optional: the `pandas` extra brings it)."""
    try:
        import pandas
    except ImportError:
        raise ImportError(
            'as_frame=True needs pandas: pip install -e ".[pandas]" (or pip install pandas)'
        ) from None
    rows = list(rows)
    frame = pandas.DataFrame.from_records(rows)
    for name in frame.columns:
        # A count with nulls ("not said") stays integers with <NA>, not floats with NaN.
        values = [row.get(name) for row in rows]
        if None in values and all(_whole(v) for v in values if v is not None):
            frame[name] = pandas.array(values, dtype="Int64")
    return frame


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Client:
    """The Incident Record API. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
    ) -> None:
        """`http` lets you bring your own httpx client (proxies, retries, a test app)."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._own = http is None
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout)
        self.http.headers.update(headers)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._own:
            self.http.close()

    def get(self, path: str, **filters: Filter) -> Any:
        """One JSON answer of `GET path`; an error answer raises `ApiError`."""
        response = self.http.get(path, params=tuple(to_params(filters)))
        if response.is_error:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text[:500]}
            raise ApiError(response.status_code, problem)
        return response.json()

    def iter(self, resource: str, **filters: Filter) -> Iterator[dict[str, Any]]:
        """Every item of a list (`incidents`, `locations`, ...), page after page."""
        filters.setdefault("limit", 1000)
        while True:
            page = self.get(f"/v1/{resource}", **filters)
            yield from page["data"]
            cursor = page["meta"]["next_cursor"]
            if not cursor:
                return
            filters["cursor"] = cursor

    def iter_incidents(self, **filters: Filter) -> Iterator[dict[str, Any]]:
        return self.iter("incidents", **filters)

    def iter_locations(self, **filters: Filter) -> Iterator[dict[str, Any]]:
        return self.iter("locations", **filters)

    def iter_actors(self, **filters: Filter) -> Iterator[dict[str, Any]]:
        return self.iter("actors", **filters)

    def iter_quotes(self, **filters: Filter) -> Iterator[dict[str, Any]]:
        return self.iter("quotes", **filters)

    def iter_sources(self, **filters: Filter) -> Iterator[dict[str, Any]]:
        return self.iter("sources", **filters)

    def incidents(self, *, as_frame: bool = False, **filters: Filter) -> Any:
        """Every matching incident, as a list of dicts or a DataFrame."""
        rows = list(self.iter_incidents(**filters))
        return to_frame(rows) if as_frame else rows

    def incident(self, incident_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.get(f"/v1/incidents/{incident_id}")
        return result

    @overload
    def stats(
        self, group_by: str | Sequence[str], *, as_frame: Literal[False] = ..., **filters: Filter
    ) -> list[dict[str, Any]]: ...

    @overload
    def stats(
        self, group_by: str | Sequence[str], *, as_frame: Literal[True], **filters: Filter
    ) -> "pandas.DataFrame": ...

    def stats(
        self, group_by: str | Sequence[str], *, as_frame: bool = False, **filters: Filter
    ) -> "list[dict[str, Any]] | pandas.DataFrame":
        """Counts of incidents, fatalities and injuries per bucket (`GET /v1/stats/incidents`).

        `group_by` is one or two dimensions: `"month"`, `"month,country"`, `["year", "actor"]`.
        """
        body = self.get("/v1/stats/incidents", group_by=group_by, **filters)
        rows: list[dict[str, Any]] = body["data"]
        return to_frame(rows) if as_frame else rows
