"""Configuration: one settings class, read once from the environment."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field
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
    cors_origins: CommaList = ["*"]
    """Origins whose browser pages may call the API (comma-separated; `*` = any)."""
    cors_methods: CommaList = ["GET", "HEAD"]
    """Methods those pages may use; add POST, PATCH, DELETE to let them write."""
    cache_max_age: int = 60
    """Seconds that browsers and proxies may reuse a GET response before revalidating."""
    sqlite_mmap_bytes: int = 2**31
    """SQLite: how much of the database file each connection reads by memory mapping
    (SQLite caps it at 2 GiB); 0 turns it off."""
    sqlite_cache_kib: int = 16384
    """SQLite: the page cache of each connection, in KiB."""
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
    access_log: bool = True
    """Log every request as a JSON line on stdout when serving."""
    auth_failure_limit: int = Field(10, ge=1)
    """Unknown or revoked API keys a client may present within `auth_failure_window`."""
    auth_failure_window: int = Field(60, ge=1)
    """Seconds over which failed authentications count; after the limit, 429."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
