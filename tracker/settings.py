"""One settings object: the database URL and the thresholds the rules use.

Values come from environment variables prefixed ``TRACKER_`` (for example
``TRACKER_DATABASE_URL``), so the dashboard, the CLI and the tests all read the same place.
"""

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "oscae-tracker"


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'tracker.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    # PostgreSQL connection pool, per process (each dashboard replica and each CLI command has
    # its own): at most db_pool_size + db_max_overflow connections at once. Keep the sum over
    # all processes below the server's max_connections (100 by default).
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_seconds: float = Field(default=30, gt=0)  # wait for a free connection
    db_pool_recycle_seconds: int = Field(default=1800, ge=-1)  # replace older connections
    # RAG thresholds: the only place these numbers live.
    due_soon_days: int = Field(default=30, ge=0)
    stale_after_days: int = Field(default=90, ge=1)
    # Evidence files: kept small because they are stored in the database.
    max_attachment_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_attachments_per_update: int = Field(default=10, ge=1)
    max_update_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # Sign-in: "local" accounts in the tracker's database, or "oidc" single sign-on (st.login).
    sign_in: Literal["local", "oidc"] = "local"
    # Demonstration mode: no sign-in, a switch to act as a sample user. Set only by
    # `tracker serve --demo` (through the environment of the server process), never by a browser.
    demo: bool = False
    # The OIDC claim that names a tracker user (matched to the user's email address).
    oidc_user_claim: str = "email"
    max_failed_sign_ins: int = Field(default=5, ge=1)
    lockout_minutes: int = Field(default=15, ge=1)
    idle_timeout_minutes: int = Field(default=30, ge=1)
    session_max_hours: int = Field(default=12, ge=1)
    min_password_length: int = Field(default=12, ge=8)
    # An implementation counts as complete in national figures only once a monitor accepts it,
    # unless this is switched on (then a claim counts as soon as it is made).
    count_claimed_as_complete: bool = False
    # Reminders by email (`tracker remind`). No host: reminders can only be previewed
    # (--dry-run). STARTTLS is on unless switched off; user and password only if the server
    # asks for them.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = True
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    # The dashboard's address as people reach it, for the links in reminders.
    base_url: str = "http://localhost:8501"
    allowed_attachment_types: tuple[str, ...] = (
        "pdf",
        "docx",
        "xlsx",
        "csv",
        "txt",
        "png",
        "jpg",
        "jpeg",
    )


def get_settings() -> Settings:
    """The settings for the environment as it is now, so a changed environment is always
    honoured. Reading them costs milliseconds (pydantic), and every dashboard query asks, so
    they are kept for as long as the variables they come from stay the same."""
    key = tuple(
        sorted(
            (name, value)
            for name, value in os.environ.items()
            if name.upper().startswith("TRACKER_") or name in ("XDG_DATA_HOME", "HOME")
        )
    )
    return _settings_for(key)


@lru_cache(maxsize=32)
def _settings_for(environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()
