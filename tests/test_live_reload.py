"""Live data reloads under gunicorn as the Procfile runs it: the ETL publishes while requests
flow; every worker serves the new file at once and no request fails. A killed ETL leaves the
live file as it was, and a second ETL run while one is under way is refused."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, build_db, free_port

RELOAD_WITHIN = 2.0  # seconds: a worker checks the file on every request, so the next request sees it


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _etl(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", *args], cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def served(data_copy: Path, tmp_path: Path):
    db = build_db(data_copy, tmp_path / "live.duckdb")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "MLR_DB_PATH": str(db), "WEB_CONCURRENCY": "2", "MLR_THREADS": "4"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "dashboard.wsgi:server"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if _get(base + "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("gunicorn did not start: " + server.stderr.read().decode()[-2000:])
    yield base, db, data_copy
    server.send_signal(signal.SIGTERM)
    server.wait(10)


def _load_id(base: str) -> str:
    status, body = _get(base + "/health")
    assert status == 200
    return json.loads(body)["load_id"]


def _change_a_value(data: Path) -> None:
    seed = data / "seed" / "population.csv"
    text = seed.read_text(encoding="utf-8")
    head, _, rest = text.partition("\npopulation,1281,2020,")
    value, _, tail = rest.partition(",")
    seed.write_text(f"{head}\npopulation,1281,2020,{int(value) + 1},{tail}", encoding="utf-8")


def test_publish_while_serving_no_failed_request(served) -> None:
    base, db, data = served
    old = _load_id(base)
    failures: list[tuple[str, int]] = []
    seen: list[tuple[float, str]] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            for path in ("/health", "/", "/_dash-layout", "/_dash-dependencies"):
                status, body = _get(base + path)
                if status != 200:
                    failures.append((path, status))
                elif path == "/health":
                    seen.append((time.time(), json.loads(body)["load_id"]))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    _change_a_value(data)
    build = _etl("build", "--data", str(data), "--db", str(db))
    assert build.wait(60) == 0, build.stdout.read()
    published = time.time()
    time.sleep(RELOAD_WITHIN + 1.0)
    stop.set()
    for thread in threads:
        thread.join(30)
    new = _load_id(base)
    assert new != old
    late = [load for t, load in seen if t > published + RELOAD_WITHIN]
    assert late and set(late) == {new}, "every worker serves the new file within the stated time"
    assert failures == []
    assert len(seen) > 20


def test_killed_etl_leaves_live_file_and_second_run_is_refused(served) -> None:
    base, db, data = served
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    old = _load_id(base)
    _change_a_value(data)
    slow = _etl("build", "--data", str(data), "--db", str(db), env={"MLR_ETL_PAUSE_BEFORE_PUBLISH": "60"})
    deadline = time.time() + 30
    while not list(db.parent.glob(f".{db.name}.tmp-*")) and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    second = _etl("build", "--data", str(data), "--db", str(db))
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 1 and "another ETL run" in out
    slow.kill()
    slow.wait(10)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert _load_id(base) == old
    again = _etl("build", "--data", str(data), "--db", str(db))
    assert again.wait(60) == 0
    assert not list(db.parent.glob(f".{db.name}.tmp-*")), "the killed run's temporary file is cleaned up"
    assert _load_id(base) != old
