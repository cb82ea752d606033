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

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            db_path=Path(os.environ.get("MLR_DB_PATH", "data/mlr.duckdb")),
            host=os.environ.get("MLR_HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("MLR_DEBUG", "0") == "1",
        )
