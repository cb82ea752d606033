"""Security headers and CSP, the locked-down database connection, and optional sign-in."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboard import security
from dashboard.db import Database


def test_every_response_has_security_headers_and_a_csp_without_eval(client) -> None:
    for path in ("/", "/health", "/vendor/bootstrap5/css/bootstrap.min.css"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-eval" not in csp
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_csp_lists_a_hash_for_each_inline_script(client) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    hashes = security.script_hashes(html)
    assert hashes, "the Dash index has inline scripts"
    for expr in hashes:
        assert expr in response.headers["Content-Security-Policy"]


def test_vendor_route_serves_only_known_files(client) -> None:
    assert client.get("/vendor/bootstrap5/css/bootstrap.min.css").status_code == 200
    assert client.get("/vendor/bootstrap5/../../__init__.py").status_code == 404
    assert client.get("/vendor/bootstrap5/js/bootstrap.bundle.js").status_code == 404


def test_read_only_connection_cannot_read_files_or_change_settings(built_db: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    database = Database(built_db)
    assert int(database.query("SELECT count(*) AS n FROM observation")["n"][0]) > 0
    with pytest.raises(duckdb.Error, match="(?i)disabled|permission"):
        database.query(f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(duckdb.Error):
        database.query("SET enable_external_access = true")
    with pytest.raises(duckdb.Error):
        database.query("INSTALL httpfs")
    with pytest.raises(duckdb.Error):
        database.query("CREATE TABLE x AS SELECT 1")


def test_database_follows_a_replaced_file(built_db: Path, tmp_path: Path) -> None:
    import shutil

    live = tmp_path / "live.duckdb"
    shutil.copy(built_db, live)
    database = Database(live)
    before = int(database.query("SELECT count(*) AS n FROM load_log")["n"][0])
    replacement = tmp_path / "new.duckdb"
    shutil.copy(built_db, replacement)
    with duckdb.connect(str(replacement)) as con:
        con.execute("INSERT INTO load_log SELECT * FROM load_log")
    replacement.replace(live)
    assert int(database.query("SELECT count(*) AS n FROM load_log")["n"][0]) == 2 * before


def test_basic_auth_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask
    from werkzeug.security import generate_password_hash

    monkeypatch.setenv("MLR_AUTH_USERS", "styrelsen:" + generate_password_hash("hemligt"))
    server = Flask("t")
    server.add_url_rule("/", "index", lambda: "ok")
    server.add_url_rule("/health", "health", lambda: "ok")
    security.install(server)
    client = server.test_client()
    assert client.get("/").status_code == 401
    assert client.get("/health").status_code == 200
    import base64

    good = base64.b64encode(b"styrelsen:hemligt").decode()
    bad = base64.b64encode(b"styrelsen:fel").decode()
    assert client.get("/", headers={"Authorization": f"Basic {good}"}).status_code == 200
    assert client.get("/", headers={"Authorization": f"Basic {bad}"}).status_code == 401


def test_auth_users_format_is_checked() -> None:
    assert security.parse_users("") == {}
    with pytest.raises(ValueError, match="MLR_AUTH_USERS"):
        security.parse_users("nocolon")
