"""What a database error means for a client: "not now" (a 503 to retry) or a bug (a 500).

The driver's codes for each backend, in one place: SQLite primary result codes (the low
byte of the extended code), PostgreSQL SQLSTATEs and SQLSTATE classes.
"""

import sqlite3

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.errors import DatabaseUnavailable, StatementTimeout

TIMED_OUT = "a database statement ran over the time limit (STATEMENT_TIMEOUT_MS)"
LOCKED = "the database stayed locked by another write past the time limit (STATEMENT_TIMEOUT_MS)"

# Database errors that mean "not now" rather than "a bug".
SQLITE_UNAVAILABLE = {
    sqlite3.SQLITE_INTERRUPT: TIMED_OUT,  # a statement interrupted at its time limit (app.db)
    sqlite3.SQLITE_BUSY: LOCKED,
    sqlite3.SQLITE_LOCKED: LOCKED,
    sqlite3.SQLITE_READONLY: "the database file is read-only",
    sqlite3.SQLITE_FULL: "the disk holding the database is full",
    sqlite3.SQLITE_IOERR: "the database file could not be read or written",
    sqlite3.SQLITE_CANTOPEN: "the database file could not be opened",
    sqlite3.SQLITE_NOMEM: "the database ran out of memory",
}
POSTGRESQL_UNAVAILABLE = {
    "57014": TIMED_OUT,  # query_canceled: statement_timeout
    "55P03": LOCKED,  # lock_not_available
    "40001": "a concurrent transaction conflicted with this one",  # serialization_failure
    "40P01": "a concurrent transaction conflicted with this one",  # deadlock_detected
    "08": "the database server is unreachable",  # connection exception
    "53": "the database server is out of disk, memory or connections",
    "57": "the database server is shutting down or starting up",  # operator intervention
    "58": "the database server had an I/O error",
}


def sqlite_result_code(error: BaseException | None) -> int | None:
    """The primary SQLite result code of a driver error (SQLITE_BUSY, ...), or None."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def database_unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The 503 for a database error that means "not now", or None for a real bug (a 500)."""
    if isinstance(exc, PoolTimeout):
        return DatabaseUnavailable("every database connection stayed busy")
    if not isinstance(exc, DBAPIError):
        return None
    code = sqlite_result_code(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        reason = SQLITE_UNAVAILABLE.get(code)
    elif sqlstate:
        reason = POSTGRESQL_UNAVAILABLE.get(sqlstate) or POSTGRESQL_UNAVAILABLE.get(sqlstate[:2])
    elif exc.connection_invalidated or isinstance(exc, OperationalError):
        reason = "the database server is unreachable"  # no SQLSTATE: no answer at all
    else:
        reason = None
    if reason is None:
        return None
    return (
        StatementTimeout(reason) if reason in (TIMED_OUT, LOCKED) else DatabaseUnavailable(reason)
    )
