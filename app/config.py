"""Configuration: one settings class, read once from the environment."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting is an environment variable of the same name (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./incident-record.db"
    """SQLAlchemy URL. `sqlite:///path.db` (default) or `postgresql+psycopg://...`."""
    seed_dir: Path = PROJECT_ROOT / "seed"
    """Folder of bundles (`*.json`) that `seed` and `serve` load."""
    read_requires_key: bool = False
    """Require an API key with scope `read` for every read under /v1."""
    max_body_bytes: int = 10_000_000
    """Largest request body a write accepts (413 above it)."""
    host: str = "127.0.0.1"
    port: int = 8000


@lru_cache
def get_settings() -> Settings:
    return Settings()
