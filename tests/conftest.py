"""Shared fixtures: a real database built by the real ETL from the shipped data, the app over it,
and headless Debian Chromium for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own environment out of the tests."""
    for key in ("MLR_DB_PATH", "MLR_DEBUG", "PORT"):
        monkeypatch.delenv(key, raising=False)


def build_db(data_dir: Path, db_path: Path) -> Path:
    from etl import load, pipeline

    inputs = pipeline.collect(data_dir)
    load.build(db_path, inputs.catalog, inputs.observations, checksum=inputs.checksum, source="test")
    return db_path


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped data built into a DuckDB file once per test session (and xdist worker)."""
    return build_db(DATA, tmp_path_factory.mktemp("db") / "mlr.duckdb")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ (catalog, seed and the Kolada bulk files) for tests that break files on purpose."""
    target = tmp_path / "data"
    for sub in ("catalog", "seed", "kolada"):
        shutil.copytree(DATA / sub, target / sub)
    return target


@pytest.fixture(scope="session")
def app(built_db: Path):
    """One app per session: Dash's page registry is process-global."""
    from dashboard.app import create_app
    from dashboard.config import Settings

    return create_app(Settings(db_path=built_db, host="127.0.0.1", port=0, debug=False))


@pytest.fixture
def client(app):
    return app.server.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pytest_setup_options():
    """Debian's chromium for dash.testing, headless and without background network."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = os.environ.get("MLR_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    return options


@pytest.fixture
def browser(dash_duo, app):
    """dash_duo serving the session app on a free port (xdist workers run side by side)."""
    dash_duo.start_server(app, port=free_port())
    return dash_duo
