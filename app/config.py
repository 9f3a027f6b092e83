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
    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: CommaList = ["*"]
    """Origins whose browser pages may call the API (comma-separated; `*` = any)."""
    cors_methods: CommaList = ["GET", "HEAD"]
    """Methods those pages may use; add POST, PATCH, DELETE to let them write."""
    cache_max_age: int = 60
    """Seconds that browsers and proxies may reuse a GET response before revalidating."""
    statement_timeout_ms: int = Field(default=10_000, ge=0)
    """Longest a database statement may run, waits for a lock included (0: no limit)."""
    graceful_shutdown_seconds: int = Field(default=8, ge=0)
    """On SIGTERM, how long `serve` lets requests in flight finish (under `docker stop`'s 10 s)."""


@lru_cache
def get_settings() -> Settings:
    return Settings()
