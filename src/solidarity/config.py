"""Settings: the only place the environment is read.

Every value comes from a ``SOLIDARITY_*`` variable, then a ``.env`` file, then the default.
``load_settings`` turns pydantic's validation errors into one sentence that names the variable
and the value, and refuses placeholder secrets outside development.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from solidarity.errors import ConfigurationError

ENV_PREFIX = "SOLIDARITY_"
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "development-only-secret"})
DEVELOPMENT_SECRET = "development-only-secret"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    """Everything the platform can be told; each field is documented in ``docs/settings.md``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    environment: Literal["development", "test", "production"] = Field(
        "development", description="development, test or production; production refuses placeholder secrets."
    )
    data_dir: Path = Field(Path("var"), description="Directory for the SQLite database, uploads and caches.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Empty means the SQLite file <data_dir>/solidarity.db. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname.",
    )
    secret_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_SECRET),
        description="Signs session cookies; at least 32 characters in production.",
    )
    host: str = Field("127.0.0.1", description="Address `solidarity serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `solidarity serve` listens on.")
    public_url: str = Field(
        "", description="Address users reach the site at, shown in messages; empty: http://host:port."
    )
    max_request_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted, except file uploads (413 beyond).",
    )
    max_upload_bytes: int = Field(
        200 * 1024 * 1024, ge=1024, description="Largest uploaded file accepted (413 beyond)."
    )
    db_pool_size: int = Field(5, ge=1, le=100, description="PostgreSQL connection pool size per process.")
    db_pool_timeout_seconds: float = Field(10.0, gt=0, description="Seconds to wait for a pooled connection.")
    sqlite_busy_timeout_ms: int = Field(5000, ge=0, description="How long SQLite waits for a lock before failing.")
    session_max_age_seconds: int = Field(8 * 3600, ge=60, description="Lifetime of a login session cookie, in seconds.")
    login_max_failures: int = Field(5, ge=1, description="Failed logins allowed per account or address per window.")
    login_window_seconds: int = Field(900, ge=1, description="Window over which failed logins are counted.")
    token_default_days: int = Field(90, ge=1, description="Lifetime of a new API token unless another is asked for.")
    page_size: int = Field(50, ge=1, le=1000, description="Default number of rows per page in lists and the API.")
    max_page_size: int = Field(1000, ge=1, description="Largest page the API hands out in one response.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Logging threshold.")

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        secret = self.secret_key.get_secret_value()
        if self.environment != "development" and (secret in PLACEHOLDER_SECRETS or len(secret) < 32):
            raise ValueError(
                f"SOLIDARITY_SECRET_KEY is a placeholder or shorter than 32 characters; "
                f"set a random secret for the {self.environment} environment"
            )
        return self

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'solidarity.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"


def _describe(error: dict[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ()) if part != "__root__"]
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if not loc:
        return message
    variable = ENV_PREFIX + loc[0].upper()
    return f"{variable} has value {error.get('input')!r}: {message}"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings; raise ``ConfigurationError`` naming each bad variable and its value.

    >>> load_settings(port="eighty").port  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    solidarity.errors.ConfigurationError: SOLIDARITY_PORT has value 'eighty': Input should be a valid integer, ...
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [_describe(dict(err)) for err in exc.errors()]
        raise ConfigurationError("; ".join(problems)) from None
