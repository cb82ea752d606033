"""Settings from the environment; every setting has a default and a help text."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    db_path: Path
    """MLR_DB_PATH: the database the ETL publishes (read-only here)."""
    host: str
    """MLR_HOST: interface for `python -m dashboard` (gunicorn uses its own bind)."""
    port: int
    """PORT: port for `python -m dashboard` and the Procfile."""
    debug: bool
    """MLR_DEBUG: Dash debug mode; never on in production."""
    contact_email: str | None = None
    """MLR_CONTACT_EMAIL: the secretariat's address for accessibility reports (/om); unset shows a placeholder."""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db_path=Path(os.environ.get("MLR_DB_PATH", "data/mlr.duckdb")),
            host=os.environ.get("MLR_HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("MLR_DEBUG", "0") == "1",
            contact_email=contact_email(),
        )


def contact_email() -> str | None:
    """MLR_CONTACT_EMAIL if it looks like an e-mail address, else None (the page shows a placeholder).

    Read on every call, so /om shows a changed setting after a restart without a new app object.
    """
    value = os.environ.get("MLR_CONTACT_EMAIL", "").strip()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or any(ch.isspace() or ch in "<>\"'" for ch in value):
        return None
    return value
