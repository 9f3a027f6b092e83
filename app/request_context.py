"""The request being answered: its id, and the name of the API key that authenticated it.

Set once by the front layer (`app.http.front`) and read wherever a problem body or a log
line is written, `app.errors` included: it sits below the HTTP layer so that the errors
need nothing from it. It is one object per request, so a dependency running in a worker
thread (which sees a copy of the context) can still fill in the key name for the access log.
"""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestContext:
    request_id: str
    key_name: str | None = None
    record_version: int | None = None
    """The version of the record the answer reflects (`X-Record-Version`), once it is known."""


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def begin(request_id: str) -> RequestContext:
    context = RequestContext(request_id)
    _current.set(context)
    return context


def current() -> RequestContext | None:
    """The context of the request being answered; None outside one (the command line)."""
    return _current.get()
