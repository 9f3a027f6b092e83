"""The dependencies every router uses, as Annotated aliases."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from typing import IO, Annotated, Any, TypeVar, get_origin
from urllib.parse import unquote

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from starlette.datastructures import QueryParams, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message

from app import request_context
from app.config import Settings, get_settings
from app.db import get_engine
from app.errors import (
    BadRequest,
    InvalidBody,
    InvalidValue,
    PayloadTooLarge,
    ProblemItem,
    Unauthorized,
    UnsupportedMediaType,
)
from app.http.auth_limit import FailedAuthLimiter
from app.models import ApiKey
from app.replicas import ReadPool, ReadSession, get_read_pool
from app.schemas.datasets import DATASET_ID, RELEASE_LENGTH, UPLOAD_SCHEMA
from app.schemas.queries import (
    ActorQuery,
    ChangeQuery,
    IncidentQuery,
    LocationQuery,
    Page,
    QuoteQuery,
    SourceQuery,
    StatsQuery,
)
from app.services.history import REASON_MAX, REASON_PATTERN, check_reason
from app.services.keys import Scope, authenticate
from app.services.pagination import TOTAL_LIMIT

# The app's engine, settings and read pool, as dependencies (tests override these). Async
# because FastAPI runs a plain function given to `Depends` in its thread pool: a hand-off
# for each, three of every request's four (about a tenth of a detail's time, 0.1 ms).


async def engine_dep() -> Engine:
    return get_engine()


async def settings_dep() -> Settings:
    return get_settings()


async def read_pool_dep() -> ReadPool:
    return get_read_pool()


EngineDep = Annotated[Engine, Depends(engine_dep)]
SettingsDep = Annotated[Settings, Depends(settings_dep)]
ReadPoolDep = Annotated[ReadPool, Depends(read_pool_dep)]
MIN_VERSION_HEADER = "X-Min-Record-Version"


def _min_version(request: Request) -> int | None:
    """`X-Min-Record-Version`: the version a read must reflect at least (a 400 if not one)."""
    value = request.headers.get(MIN_VERSION_HEADER)
    if value is None:
        return None
    if not value.strip().isdigit() or len(value.strip()) > 18:
        message = "a record version: the X-Record-Version a write answered"
        raise BadRequest(
            f"{MIN_VERSION_HEADER} must be {message}, not {value[:40]!r}",
            [ProblemItem(param=MIN_VERSION_HEADER, message=message)],
        )
    return int(value)


async def get_session(
    request: Request, engine: EngineDep, pool: ReadPoolDep, settings: SettingsDep
) -> AsyncIterator[Session]:
    """The request's session, for reading (app.replicas). It connects at its first query (in
    the route's thread), so making it here costs no hand-off to the thread pool: async for
    that reason alone. It carries the budget of totals (`total_limit`)."""
    session = ReadSession(engine, pool, _min_version(request))
    session.info[TOTAL_LIMIT] = settings.exact_total_limit
    try:
        yield session
    finally:
        try:
            session.close()
        except DBAPIError as exc:
            # The database went away after the answer was made (it ends after the
            # response): its connection is dropped, and nothing of a read is lost.
            if not exc.connection_invalidated:
                raise


SessionDep = Annotated[Session, Depends(get_session)]
Q = TypeVar("Q", bound=BaseModel)

API_KEY_SCHEME = "apiKey"
# auto_error=False: a missing key is our own 401 problem, not FastAPI's 403.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name=API_KEY_SCHEME,
    bearerFormat="ir_...",
    description="An API key from `incident-record keys create`, as `Authorization: Bearer <key>`."
    " Its scope, `read` or `write` (which implies read), is the role an operation lists.",
)


def _authenticated(request: Request, engine: Engine, presented: str | None, scope: Scope) -> ApiKey:
    """The key presented, checked, unless this client has failed too often (429, see
    app.http.auth_limit); the key's name goes to the access log."""
    limiter: FailedAuthLimiter = request.app.state.failed_auth
    client = request.client.host if request.client else ""
    # A session of its own, closed at once: a write must not hold a pooled connection
    # while it waits for the write lock on another (the pool could run dry).
    with Session(engine) as session:
        if presented:
            limiter.check(session, client)
        try:
            key = authenticate(session, presented, scope)
        except Unauthorized:
            if presented:
                session.close()  # its read transaction ends before the failure is written
                limiter.failed(engine, client)
            raise
    context = request_context.current()
    if context is not None:
        context.key_name = key.name
    return key


async def read_access(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer, scopes=["read"])],
) -> None:
    """Reads are public unless READ_REQUIRES_KEY; then they need a key with scope read. A
    key that is sent is checked either way: an unknown or revoked one is a 401, not a
    read that quietly passes as public (a client would not learn its key is bad).

    (`async`: a public read costs no hand-off to the thread pool; the key check does.)
    """
    if request.method != "GET":  # a write checks its key itself (`write_key`), once
        return
    presented = credentials.credentials if credentials else None
    if settings.read_requires_key or presented:
        await run_in_threadpool(_authenticated, request, engine, presented, "read")


def write_key(
    request: Request,
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer, scopes=["write"])],
) -> ApiKey:
    return _authenticated(
        request, engine, credentials.credentials if credentials else None, "write"
    )


WriteKey = Annotated[ApiKey, Depends(write_key)]
"""The API key of a write: 401 without a valid one, 403 without scope write."""


async def _json_body(request: Request, settings: Settings, media_types: tuple[str, ...]) -> Any:
    """The parsed JSON body: 415 if not JSON, 413 above MAX_BODY_BYTES, 400 if malformed."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in media_types:
        raise UnsupportedMediaType(
            f"send the body as {' or '.join(media_types)}, not {media_type or 'nothing'}"
        )
    limit = settings.max_body_bytes
    too_large = PayloadTooLarge(f"the body is larger than {limit} bytes")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody(
            f"the body is not valid JSON: {exc}", [ProblemItem(field="body", message=str(exc))]
        ) from None


async def bundle_body(request: Request, settings: SettingsDep) -> Any:
    return await _json_body(request, settings, ("application/json",))


async def merge_patch_body(request: Request, settings: SettingsDep) -> Any:
    return await _json_body(request, settings, ("application/merge-patch+json", "application/json"))


@dataclass(frozen=True)
class DatasetUpload:
    """The form of `POST /v1/datasets/imports`, checked: the file and the options."""

    file: IO[bytes]
    filename: str | None
    format: str | None
    release: str | None
    dataset: str | None
    skip_bad_rows: bool


async def dataset_upload(request: Request, settings: SettingsDep) -> AsyncIterator[DatasetUpload]:
    """The multipart form, its file spooled to disk as it arrives: 415 if not a form, 413
    above MAX_UPLOAD_BYTES (counted as the body streams, whatever Content-Length says),
    400 if malformed, 422 naming each field that is wrong."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(
            f"send the file as multipart/form-data, not {media_type or 'nothing'}"
        )
    limit = settings.max_upload_bytes
    too_large = PayloadTooLarge(f"the upload is larger than {limit} bytes (MAX_UPLOAD_BYTES)")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_large
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise too_large
        return message

    try:
        form = await Request(request.scope, receive).form(max_files=1, max_fields=10)
    except StarletteHTTPException as exc:
        raise InvalidBody(f"the body is not a readable multipart form: {exc.detail}") from None
    try:
        yield _upload(form)
    finally:
        await form.close()


def _upload(form: Any) -> DatasetUpload:
    known = UPLOAD_SCHEMA["properties"]
    errors = [ProblemItem(field=k, message="unknown form field") for k in form if k not in known]
    file = form.get("file")
    if not isinstance(file, UploadFile):
        errors.append(ProblemItem(field="file", message="required: the file, as a file part"))
    text: dict[str, str | None] = {}
    for name in ("format", "release", "dataset", "skip_bad_rows"):
        value = form.get(name)
        if isinstance(value, UploadFile):
            errors.append(ProblemItem(field=name, message="a text field, not a file"))
        elif value is not None and "\x00" in value:
            errors.append(ProblemItem(field=name, message="contains a NUL character"))
        text[name] = value if isinstance(value, str) and value else None
    formats = known["format"]["enum"]
    if text["format"] is not None and text["format"] not in formats:
        errors.append(ProblemItem(field="format", message=f"one of {', '.join(formats)}"))
    if text["release"] is not None and len(text["release"]) > RELEASE_LENGTH:
        errors.append(ProblemItem(field="release", message=f"at most {RELEASE_LENGTH} characters"))
    dataset = text["dataset"]
    if dataset is not None and not (
        re.fullmatch(DATASET_ID, dataset) and len(dataset) <= RELEASE_LENGTH
    ):
        message = "an id: lower-case letters, digits and dashes"
        errors.append(ProblemItem(field="dataset", message=message))
    if text["skip_bad_rows"] not in (None, "true", "false"):
        errors.append(ProblemItem(field="skip_bad_rows", message="true or false"))
    if errors:
        raise InvalidValue.listing(errors)
    assert isinstance(file, UploadFile)
    return DatasetUpload(
        file=file.file,
        filename=file.filename,
        format=text["format"],
        release=text["release"],
        dataset=dataset,
        skip_bad_rows=text["skip_bad_rows"] == "true",
    )


DatasetUploadDep = Annotated[DatasetUpload, Depends(dataset_upload)]


def query_reader(model: type[Q]) -> Callable[[QueryParams], Q]:
    """A query model read from the query string in one validation, as FastAPI reads
    `Annotated[model, Query()]`: a list field takes every value of its parameter, any other
    field the last, a parameter the model does not know its one value or all of them; an
    error is located in `query`. (FastAPI looks each field's type over again on every
    request: 0.15 to 0.25 ms for a list's 25 parameters, against 0.02 here.)"""
    fields = model.model_fields
    lists = frozenset(name for name, f in fields.items() if get_origin(f.annotation) is list)

    def read(params: QueryParams) -> Q:
        values: dict[str, Any] = {}
        for name in params:
            given = params.getlist(name)
            many = name in lists or (name not in fields and len(given) > 1)
            values[name] = given if many else given[-1]
        try:
            return model.model_validate(values)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            raise RequestValidationError(
                [{**e, "loc": ("query", *e["loc"])} for e in errors]
            ) from None

    return read


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI parameters of a query model read by `query_reader`, for a route's
    `openapi_extra`: FastAPI's own, from a route that declares the model."""
    docs = APIRouter()

    @docs.get("/")
    def declared(query: Annotated[model, Query()]) -> None:  # type: ignore[valid-type]
        """Declares the model, for FastAPI to document."""

    document = get_openapi(title="", version="", routes=docs.routes)
    return {"parameters": document["paths"]["/"]["get"]["parameters"]}


def _reading(model: type[Q]) -> Callable[[Request], Awaitable[Q]]:
    read = query_reader(model)

    async def query(request: Request) -> Q:
        return read(request.query_params)

    query.__doc__ = f"{model.__name__}, read from the query string by `query_reader`."
    query.query_model = model  # type: ignore[attr-defined]  # its parameters: _query_names
    return query


IncidentQueryDep = Annotated[IncidentQuery, Depends(_reading(IncidentQuery))]
StatsQueryDep = Annotated[StatsQuery, Depends(_reading(StatsQuery))]
QuoteQueryDep = Annotated[QuoteQuery, Depends(_reading(QuoteQuery))]
ActorQueryDep = Annotated[ActorQuery, Depends(_reading(ActorQuery))]
LocationQueryDep = Annotated[LocationQuery, Depends(_reading(LocationQuery))]
SourceQueryDep = Annotated[SourceQuery, Depends(_reading(SourceQuery))]
ChangeQueryDep = Annotated[ChangeQuery, Depends(_reading(ChangeQuery))]
PageDep = Annotated[Page, Depends(_reading(Page))]
"""The lists' query models, read in one validation; their routes document them with
`openapi_extra=query_parameters(model)`. Those with filters that name records resolve them
(`app.services.names.resolve_query`) in their own thread."""


BundleBody = Annotated[Any, Depends(bundle_body)]
MergePatchBody = Annotated[Any, Depends(merge_patch_body)]

REASON_HEADER = "X-Change-Reason"
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"


async def change_reason(
    reason: Annotated[
        str | None,
        Query(
            description=f"Why this change is made, stored with it (its history, the change "
            f"feed): up to {REASON_MAX} characters, no control characters. Or send "
            f"`{REASON_HEADER}`.",
            json_schema_extra={"maxLength": REASON_MAX, "pattern": REASON_PATTERN},
        ),
    ] = None,
    header: Annotated[
        str | None,
        Header(
            alias=REASON_HEADER,
            description="Why this change is made, as the `reason` parameter says. A header "
            "is ASCII: percent-encode every other character as UTF-8 (`encodeURIComponent`, "
            "`urllib.parse.quote`: `caf%C3%A9`), and `%` itself as `%25`; the value is "
            "decoded once, then bound as `reason` is.",
            json_schema_extra={"pattern": _PRINTABLE_ASCII},
        ),
    ] = None,
) -> str | None:
    """The reason a write gives (`reason` or `X-Change-Reason`, not both), checked.

    (`async` because it does no I/O.)
    """
    if reason is not None and header is not None:
        message = f"give the reason once: in {REASON_HEADER} or in `reason`"
        raise InvalidValue.listing([ProblemItem(param="reason", message=message)])
    if header is None:
        return check_reason(reason)
    if not re.fullmatch(_PRINTABLE_ASCII, header):
        message = "must be printable ASCII: percent-encode other characters as UTF-8"
        raise InvalidValue.listing([ProblemItem(param=REASON_HEADER, message=message)])
    try:
        decoded = unquote(header, errors="strict")
    except UnicodeDecodeError:
        message = "its percent-encoded bytes are not UTF-8"
        raise InvalidValue.listing([ProblemItem(param=REASON_HEADER, message=message)]) from None
    return check_reason(decoded, REASON_HEADER)


ChangeReason = Annotated[str | None, Depends(change_reason)]
"""Why a write is made: `reason` or the `X-Change-Reason` header; 422 when malformed."""


def _query_names(dependant: Dependant) -> set[str]:
    """Every query parameter a route declares, its own and its dependencies' (a query model
    read by `query_reader`: its fields)."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
        model = getattr(sub.call, "query_model", None)
        if model is not None:
            names |= set(model.model_fields)
    return names


_ACCEPTED: dict[tuple[Any, str], frozenset[str]] = {}


def _accepted(route: APIRoute) -> frozenset[str]:
    """The query parameters of a route, worked out once (per endpoint and path: every app
    the process makes has the same)."""
    key = (route.endpoint, route.path)
    names = _ACCEPTED.get(key)
    if names is None:
        names = _ACCEPTED[key] = frozenset(_query_names(route.dependant))
    return names


def _words(name: str) -> str:
    return "_".join(sorted(re.split(r"[-_]", name.lower())))


def did_you_mean(name: str, accepted: Iterable[str]) -> list[str]:
    """The accepted names closest to `name`, best first: its words in another order or
    case (`fatalities_min`: `min_fatalities`), which spelling alone misses, else the
    closest in spelling, either way."""
    by_words = {_words(a): a for a in accepted}
    if _words(name) in by_words:
        return [by_words[_words(name)]]
    # A cutoff above difflib's 0.6, which offers `country` for `colour`.
    reordered = [by_words[w] for w in get_close_matches(_words(name), by_words, 3, 0.7)]
    spelled = get_close_matches(name.lower(), by_words.values(), 3, 0.7)
    return list(dict.fromkeys([*reordered, *spelled]))[:3]


def unknown_parameter(name: str, accepted: Iterable[str]) -> str:
    """The message for a query parameter not in `accepted`, with the closest names."""
    closest = did_you_mean(name, accepted)
    if not closest:
        return "unknown query parameter"
    return f"unknown query parameter (did you mean {' or '.join(closest)}?)"


async def check_parameters(request: Request) -> None:
    """A typo such as `contry=IQ` is a 400 naming it, never a silently unfiltered list.

    A NUL character, which no stored value can contain, is refused here too. (`async`
    because it does no I/O: a plain function would cost every request a thread hop.)
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    accepted = _accepted(route)
    unknown = sorted(set(request.query_params) - accepted)
    errors = [
        ProblemItem(param=name, message=unknown_parameter(name, accepted)) for name in unknown
    ]
    values = [*request.query_params.multi_items(), *request.path_params.items()]
    errors += [
        ProblemItem(param=name, message="contains a NUL character")
        for name, value in values
        if "\x00" in value
    ]
    if errors:
        raise BadRequest.listing(errors)
