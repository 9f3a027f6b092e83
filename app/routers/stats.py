from fastapi import APIRouter, Response

from app.deps import SessionDep, StatsQueryDep, query_parameters
from app.encoding import MEDIA_TYPE, to_json
from app.routers.common import read_responses
from app.schemas.queries import StatsQuery
from app.schemas.resources import IncidentStats
from app.services import names, stats

router = APIRouter(tags=["stats"])


@router.get(
    "/stats/incidents",
    response_model=IncidentStats,
    responses=read_responses(400, 422),
    openapi_extra=query_parameters(StatsQuery),
)
def incident_stats(session: SessionDep, query: StatsQueryDep) -> Response:
    """Count incidents, fatalities and injuries by one or two dimensions, for charts.

    Per group: `incidents`, and for fatalities and injuries the sum of the figures the
    sources give with how many incidents gave one (`fatalities_known`); a sum over no known
    figure is null, never 0.

    Takes every incident filter. Each incident counts once per group it falls in: in the
    time bucket of its `date_start`; once per distinct actor it is attributed to (or, with
    `stance`, attributed to with that stance); once per distinct actor in any role (or, with
    `role`, in that role). A null value (no admin1, location, attribution or actor) is a
    group of its own. Rows are ordered by the dimensions, time first, nulls last.

    With a time bucket, `date_from`/`date_to` select the incidents that start inside the
    range, and the buckets are zero-filled from `date_from` to `date_to` (or the earliest
    to the latest `date_start` matching), for each value of the other dimension. Without
    one, the date filters work as in `GET /v1/incidents`, so the counts agree with its
    `meta.total`. An answer of more than 10,000 rows is a 422: narrow the dates or use a
    coarser bucket.
    """
    figures = stats.incident_stats(session, names.resolve_query(session, query))
    return Response(to_json(figures), media_type=MEDIA_TYPE)
