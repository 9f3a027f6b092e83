"""Configuration: one settings class, read once from the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _comma_list(value: object) -> object:
    return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_comma_list)]


class Settings(BaseSettings):
    """Every setting is an environment variable of the same name (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./incident-record.db"
    """SQLAlchemy URL. `sqlite:///path.db` (default) or `postgresql+psycopg://...`."""
    seed_dir: Path = PROJECT_ROOT / "seed"
    """Folder of bundles (`*.json`) that `seed` and `serve` load."""
    read_requires_key: bool = False
    """Require an API key with scope `read` for every read under /v1 and /ogc."""
    max_body_bytes: int = 10_000_000
    """Largest request body a write accepts (413 above it)."""
    max_upload_bytes: int = Field(1_000_000_000, ge=0)
    """Largest dataset upload `POST /v1/datasets/imports` accepts, the whole multipart body
    (413 above it): UCDP GED's global release is about 300 MB as CSV."""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1)
    """Server processes `serve` runs: one per core serves a large record (`nproc`)."""
    db_pool_size: int = Field(20, ge=1)
    """Database connections each process keeps open (and up to 10 more under load)."""
    read_concurrency: int | None = Field(None, ge=1)
    """Reads under /v1 and /ogc that each process works on at once; the others wait their
    turn, in order. Unset: 2 on SQLite, whose reads use the process's own core; 8 on
    PostgreSQL, whose reads also wait on the network (`reads_at_once`)."""
    cors_origins: CommaList = ["*"]
    """Origins whose browser pages may call the API (comma-separated; `*` = any)."""
    cors_methods: CommaList = ["GET", "HEAD"]
    """Methods those pages may use; add POST, PATCH, DELETE to let them write."""
    cache_max_age: int = 60
    """Seconds that browsers and proxies may reuse a GET response before revalidating."""
    sqlite_mmap_bytes: int = 2**31
    """SQLite: how much of the database file each connection reads by memory mapping
    (SQLite caps it at 2 GiB); 0 turns it off."""
    sqlite_cache_kib: int = 2048
    """SQLite: the page cache of each connection, in KiB; also the memory of each sort
    run (a larger one sorts a large GROUP BY more slowly)."""
    statement_timeout_ms: int = Field(default=10_000, ge=0)
    """Longest a database statement may run, waits for a lock included (0: no limit)."""
    graceful_shutdown_seconds: int = Field(default=8, ge=0)
    """On SIGTERM, how long `serve` lets requests in flight finish (under `docker stop`'s 10 s)."""
    max_uri_length: int = Field(8192, ge=256)
    """Longest request target (path and query string, in bytes) served; 414 above."""
    max_header_bytes: int = Field(16384, ge=1024)
    """Largest total size of the request's header fields (names and values); 431 above."""
    max_parameter_values: int = Field(100, ge=1)
    """Most values one query parameter may take, repeated or comma-separated; 422 above."""
    max_q_length: int = Field(200, ge=1)
    """Longest `q` (characters); 422 above."""
    max_q_terms: int = Field(10, ge=1)
    """Most words in `q`; 422 above."""
    exact_total_limit: int = Field(10_000, ge=1)
    """A list with `q` counts its matches up to this many for `meta.total`; beyond, the
    total is this lower bound (`meta.total_relation` `gte`)."""
    access_log: bool = True
    """Log every request as a JSON line on stdout when serving."""
    auth_failure_limit: int = Field(10, ge=1)
    """Unknown or revoked API keys a client may present within `auth_failure_window`."""
    auth_failure_window: int = Field(60, ge=1)
    """Seconds over which failed authentications count; after the limit, 429."""
    database_read_url: CommaList = []
    """PostgreSQL streaming replicas of DATABASE_URL that serve reads (comma-separated
    URLs). Writes, API keys and every write's reads stay on DATABASE_URL. Empty: no replica."""
    max_replica_lag_seconds: float = Field(5.0, gt=0)
    """A replica further behind the primary than this serves no read until it catches up."""
    replica_wait_ms: int = Field(250, ge=0)
    """How long a read with `X-Min-Record-Version` waits for a replica to reach that version
    before the primary serves it."""
    replica_check_seconds: float = Field(1.0, gt=0)
    """How often each server process measures its replicas' lag."""

    @model_validator(mode="after")
    def _replicas_of_postgresql(self) -> "Settings":
        urls = [self.database_url, *self.database_read_url] if self.database_read_url else []
        if any(not url.startswith("postgresql") for url in urls):
            raise ValueError(
                "DATABASE_READ_URL: replicas are PostgreSQL streaming replicas of a PostgreSQL"
                " DATABASE_URL (postgresql+psycopg://...)"
            )
        return self

    public_url: str = ""
    """The address clients reach the API at, as `https://api.example.org` or with a path
    prefix the proxy removes (`https://example.org/incidents`): every link is built from it,
    never from the request's Host. Empty: links name the host the request names."""
    allowed_hosts: CommaList = []
    """Host names (`Host`, port aside) the server answers; `*` any; others get 400. Empty:
    `localhost,127.0.0.1,::1,testserver` without PUBLIC_URL, any host with it."""
    forwarded_allow_ips: CommaList = []
    """Addresses or networks of the proxies whose `X-Forwarded-For` and `X-Forwarded-Proto`
    are believed (`*`: any peer). Empty: nobody's."""
    header_timeout_seconds: float = Field(10, gt=0)
    """Longest a client may take to send a request's line and headers, counted from when
    the connection opens or the request's first byte; then the connection is closed."""

    @property
    def reads_at_once(self) -> int:
        """READ_CONCURRENCY, or its default for the backend of DATABASE_URL."""
        if self.read_concurrency is not None:
            return self.read_concurrency
        return 8 if self.database_url.startswith("postgresql") else 2

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not value:
            return value
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
            raise ValueError(
                "PUBLIC_URL must be http:// or https://, a host, an optional port and path prefix,"
                f" and no query or fragment: {value!r}"
            )
        return value.rstrip("/")


@lru_cache
def get_settings() -> Settings:
    return Settings()
