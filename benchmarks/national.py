"""National-scale benchmark (issue 7 part 5): one command, ``.venv/bin/python benchmarks/national.py``.

1. Generates a national-scale data folder in a temporary directory (never under data/): the real
   catalogue with regions.yaml extended to 290 municipalities (the 12 real members plus 278 generated
   ones, codes 9001-9278, which no Swedish municipality uses) and indicators.yaml extended to 40
   indicators (the real ones plus ``bench_indicator_NN``, named GENERERAD), and seed CSVs with a
   generated value for every indicator, municipality, Skåne (12) and Riket (00), 1995-2024. Every row
   says ``GENERERAT – endast prestandamätning, inte data``; the numbers are thrown away at the end.
2. Builds the database with the real ETL (``python -m etl build --data DIR --db PATH``), timed.
3. Serves the app under gunicorn as the Procfile does (``gunicorn --config gunicorn.conf.py``, with
   PORT, MLR_DB_PATH, WEB_CONCURRENCY=2, MLR_THREADS=4), through ``benchmarks/bench_wsgi.py``, which
   adds the ``/bench/floor`` route, and ``benchmarks/minimal_app.py`` for the browser baseline.
4. Measures and prints, side by side: sequential p50/p95 of the compare page's main callback, the CSV
   API for the same selection, the floor route and the DuckDB query alone; requests/s with 8 clients;
   peak memory per worker; the ETL build time; first render of /jamfor in headless Chromium next to the
   minimal page; then PASS/MISS per goal.

Only 127.0.0.1 is contacted. Every loop is bounded in count and time; the servers, browsers and the
temporary directory are removed at the end, also on error or Ctrl-C.

The compare callback is found at run time: the server-side callback in ``/_dash-dependencies`` whose
outputs all start with ``cmp-`` and that has the most inputs. Its payload is built from the layout the
``_pages_location`` callback returns for ``/jamfor?...``, so a rewritten page is measured as it is.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import http.client
import io
import json
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

SOURCE = "GENERERAT – endast prestandamätning, inte data"
NOTE = "GENERERAD rad (benchmarks/national.py), inte data"
FIRST_YEAR, LAST_YEAR = 1995, 2024
N_GENERATED_MUNICIPALITIES = 278
N_INDICATORS = 40
SKANE_GENERATED = 21  # 12 real + 21 generated = Skåne's 33 municipalities
BENCHMARKS = ("MLR", "12", "00")

GOAL_CALLBACK_MS = 50.0
GOAL_RPS = 150.0
GOAL_WORKER_MB = 300.0
GOAL_BUILD_S = 30.0
DEFAULT_FLOOR_BYTES = 20000
RETRY_WAITS = (0, 10, 20)  # seconds before each attempt at the compare callback


# ---------------------------------------------------------------- generated data


def _dump_yaml(path: Path, data: object, header: str) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    path.write_text(header + text, encoding="utf-8")


def generate_data(dest: Path, seed: int = 20240501) -> dict[str, object]:
    """The national-scale data folder under ``dest`` (catalog/ and seed/); returns a description."""
    rng = np.random.default_rng(seed)
    shutil.copytree(ROOT / "data" / "catalog", dest / "catalog")
    header = ("# GENERERAD för benchmarks/national.py – endast prestandamätning, inte data. "
              "Raderas efter körningen.\n")

    regions_path = dest / "catalog" / "regions.yaml"
    regions = yaml.safe_load(regions_path.read_text(encoding="utf-8"))
    real = [dict(m) for m in regions["municipalities"]]
    real_codes = {m["code"] for m in real}
    generated, code = [], 9000
    while len(generated) < N_GENERATED_MUNICIPALITIES:
        code += 1
        if f"{code:04d}" in real_codes:
            continue
        generated.append({"code": f"{code:04d}", "name": f"Genererad kommun {len(generated) + 1:03d}"})
    regions["municipalities"] = real + generated
    _dump_yaml(regions_path, regions, header)

    indicators_path = dest / "catalog" / "indicators.yaml"
    indicators = yaml.safe_load(indicators_path.read_text(encoding="utf-8"))
    plan = yaml.safe_load((dest / "catalog" / "plan.yaml").read_text(encoding="utf-8"))
    focus_ids = [f["id"] for f in plan["focus_areas"]]
    real_inds = indicators["indicators"]
    kinds = [("sum", True), ("population_weighted", False), ("none", False)]
    for i in range(1, N_INDICATORS - len(real_inds) + 1):
        aggregation, per_capita = kinds[i % 3]
        real_inds.append({
            "id": f"bench_indicator_{i:02d}",
            "name_sv": f"GENERERAD testindikator {i:02d}",
            "name_en": f"GENERATED test indicator {i:02d}",
            "unit_sv": "antal" if aggregation == "sum" else "procent",
            "unit_en": "count" if aggregation == "sum" else "per cent",
            "decimals": 0 if aggregation == "sum" else 1,
            "definition_sv": "GENERERAD – endast för prestandamätning, inte data.",
            "definition_en": "GENERATED – for performance measurement only, not data.",
            "source": "GENERERAT", "source_table": "GENERERAT (benchmarks/national.py)",
            "frequency": "annual", "higher_is_better": [True, False, None][i % 3],
            "per_capita": per_capita, "aggregation": aggregation,
            "focus_area": focus_ids[i % len(focus_ids)] if i % 4 else None,
        })
    _dump_yaml(indicators_path, indicators, header)

    munis = [m["code"] for m in regions["municipalities"]]
    members = sorted(real_codes)
    skane = set(members) | {g["code"] for g in generated[:SKANE_GENERATED]}
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    n_m, n_y = len(munis), len(years)
    base = np.clip(rng.lognormal(np.log(16000), 0.9, n_m), 2500, 400000)
    growth = rng.normal(0.008, 0.006, n_m)
    pop = np.round(base[:, None] * (1 + growth[:, None]) ** (years - FIRST_YEAR)[None, :]
                   * (1 + rng.normal(0, 0.002, (n_m, n_y))))
    in_skane = np.array([c in skane for c in munis])
    # Gaps ('..') only in generated non-member municipalities, so MLR totals stay complete.
    may_miss = np.array([c not in real_codes for c in munis])

    regions_out = munis + ["12", "00"]
    region_col = np.repeat(np.array(regions_out, dtype=object), n_y)
    period_col = np.tile(years, len(regions_out))
    retrieved = date.today().isoformat()
    status_col = np.where(period_col == LAST_YEAR, "preliminary", "final").astype(object)
    quoted = io.StringIO()
    csv.writer(quoted, lineterminator="").writerow([SOURCE, "", retrieved, NOTE])
    tail = quoted.getvalue()  # source,source_url,retrieved_at,note, quoted as CSV needs

    seed_dir = dest / "seed"
    seed_dir.mkdir()
    rows_total = 0
    files: dict[str, list[str]] = {}
    for n, ind in enumerate(real_inds):
        files.setdefault(f"generated_{n // 10 + 1:02d}.csv", []).append(ind["id"])
    ind_by_id = {ind["id"]: ind for ind in real_inds}
    for name, ids in files.items():
        out = io.StringIO()
        out.write("indicator_id,region_code,period,value,status,source,source_url,retrieved_at,note\n")
        for ind_id in ids:
            ind = ind_by_id[ind_id]
            if ind_id == "population":
                values, decimals = pop, 0
            elif ind["aggregation"] == "sum":
                rate = rng.uniform(1, 8, n_m)[:, None]
                values = np.round(np.clip(pop * rate / 1000 * (1 + rng.normal(0, 0.25, (n_m, n_y))), 0, None))
                decimals = 0
            else:
                walk = np.cumsum(rng.normal(0, 1.5, (n_m, n_y)), axis=1)
                values = np.round(np.clip(rng.uniform(20, 80, n_m)[:, None] + walk, 0.5, 99.5), 1)
                decimals = 1
            if ind_id == "population" or ind["aggregation"] == "sum":
                county = values[in_skane].sum(axis=0)
                country = values.sum(axis=0)
            else:
                county = (values[in_skane] * pop[in_skane]).sum(axis=0) / pop[in_skane].sum(axis=0)
                country = (values * pop).sum(axis=0) / pop.sum(axis=0)
            grid = np.vstack([values, county[None, :], country[None, :]]).ravel()
            missing = np.zeros((len(regions_out), n_y), dtype=bool)
            if ind_id != "population":
                missing[:n_m] = may_miss[:, None] & (rng.random((n_m, n_y)) < 0.01)
            missing = missing.ravel()
            fmt = "{:.0f}" if decimals == 0 else "{:.1f}"
            for r, p, v, s, miss in zip(region_col, period_col, grid, status_col, missing, strict=True):
                if miss:
                    out.write(f"{ind_id},{r},{p},..,missing,{tail}\n")
                else:
                    out.write(f"{ind_id},{r},{p},{fmt.format(v)},{s},{tail}\n")
                rows_total += 1
        (seed_dir / name).write_text(out.getvalue(), encoding="utf-8")
    return {"municipalities": n_m, "members": members, "indicators": len(real_inds),
            "years": n_y, "rows": rows_total, "files": len(files)}


def build_database(data_dir: Path, db_path: Path, log_path: Path, timeout: float) -> tuple[float, str]:
    """``python -m etl build`` as a subprocess; (seconds, last output line). Raises on failure."""
    env = clean_env() | {"PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.run([sys.executable, "-m", "etl", "build", "--data", str(data_dir), "--db", str(db_path)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    seconds = time.perf_counter() - t0
    lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    if proc.returncode != 0:
        raise RuntimeError("ETL build failed:\n  " + "\n  ".join(lines[-15:]))
    return seconds, lines[-1] if lines else ""


# ---------------------------------------------------------------- HTTP (127.0.0.1 only)


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("MLR_AUTH_USERS", "MLR_DEBUG", "MLR_DB_PATH", "PORT", "WEB_CONCURRENCY", "MLR_THREADS",
                "GUNICORN_CMD_ARGS", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(key, None)
    return env


class Client:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port (reconnects after an error)."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass(frozen=True)
class Target:
    """One thing to time: a request, and how to tell a good answer."""

    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, client: Client) -> tuple[int, bytes]:
        return client.request(self.method, self.path, self.body, self.headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Gunicorn:
    """``gunicorn --config gunicorn.conf.py <wsgi>`` as the Procfile runs it, bound to 127.0.0.1."""

    def __init__(self, wsgi: str, env: dict[str, str], log_path: Path):
        self.wsgi, self.port, self.log_path = wsgi, free_port(), log_path
        self.env = clean_env() | {"PORT": str(self.port), "WEB_CONCURRENCY": "2", "MLR_THREADS": "4",
                                  "PYTHONPATH": str(ROOT)} | env
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        # --bind keeps the benchmark off other interfaces (the config binds 0.0.0.0); the rest is the config.
        cmd = [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--bind", f"{HOST}:{self.port}", self.wsgi]
        self.log = open(self.log_path, "w")  # a file, not a pipe: the access log must never block
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.wsgi} exited ({self.proc.returncode}):\n" + self.tail())
            try:
                status, _ = Client(self.port, timeout=5).request("GET", "/" if "minimal" in self.wsgi else "/health")
                if status == 200 and len(self.workers()) >= 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn {self.wsgi} not ready within {timeout:.0f} s:\n" + self.tail())

    def tail(self, n: int = 20) -> str:
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join("  " + line for line in lines[-n:])

    def workers(self) -> list[int]:
        if self.proc is None:
            return []
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def stop(self) -> None:
        if self.proc is None:
            return
        workers = self.workers()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: gunicorn stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for pid in workers:  # a worker that outlived its master (should not happen)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        self.proc = None


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (from /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# ---------------------------------------------------------------- finding the compare callback


def split_output(output: str) -> list[dict[str, str]]:
    parts = output[2:-2].split("...") if output.startswith("..") and output.endswith("..") else [output]
    outs = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        outs.append({"id": ident, "property": prop.split("@")[0]})
    return outs


def walk_components(node: object, found: dict[str, tuple[str, dict]]) -> None:
    """id -> (component type, props) of every component with a string id in a layout JSON."""
    if isinstance(node, list):
        for item in node:
            walk_components(item, found)
    elif isinstance(node, dict):
        if "props" in node and "type" in node and isinstance(node["props"], dict):
            props = node["props"]
            if isinstance(props.get("id"), str):
                found.setdefault(props["id"], (str(node["type"]), props))
            for value in props.values():
                walk_components(value, found)
        else:
            for value in node.values():
                walk_components(value, found)


def count_graphs(node: object) -> tuple[int, int]:
    """(Graph components with a figure, traces in them) anywhere in a JSON document."""
    graphs = traces = 0
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            props = item.get("props")
            if item.get("type") == "Graph" and isinstance(props, dict) and isinstance(props.get("figure"), dict):
                graphs += 1
                traces += len(props["figure"].get("data") or [])
            stack.extend(item.values())
    return graphs, traces


def callback_payload(dep: dict, values: Callable[[str, str], object], trigger: str) -> dict:
    outputs = split_output(dep["output"])
    return {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": [{"id": i["id"], "property": i["property"], "value": values(i["id"], i["property"])}
                   for i in dep["inputs"]],
        "state": [{"id": s["id"], "property": s["property"], "value": values(s["id"], s["property"])}
                  for s in dep["state"]],
        "changedPropIds": [trigger],
    }


@dataclass
class Discovery:
    compare: Target | None = None
    compare_inputs: int = 0
    compare_size: int = 0
    compare_traces: int = 0
    trigger: str = ""
    controls: dict[str, object] = field(default_factory=dict)
    error: str | None = None


JSON = {"Content-Type": "application/json"}


def discover(send: Callable[[Target], tuple[int, bytes]], page: str, query: str) -> Discovery:
    """Find the compare callback and build its payload from the page's own layout; try it once."""
    out = Discovery()
    status, body = send(Target("deps", "GET", "/_dash-dependencies"))
    if status != 200:
        out.error = f"/_dash-dependencies answered {status}"
        return out
    deps = json.loads(body)
    server_side = [d for d in deps if not d.get("clientside_function")]
    pages_dep = next((d for d in server_side if any(i["id"] == "_pages_location" for i in d["inputs"])), None)
    compare_deps = [d for d in server_side if all(o["id"].startswith("cmp-") for o in split_output(d["output"]))]
    if pages_dep is None or not compare_deps:
        out.error = "no _pages_location callback" if pages_dep is None else "no callback with cmp- outputs registered"
        return out
    main = max(compare_deps, key=lambda d: len(d["inputs"]))
    url = {"pathname": page, "search": "?" + query, "href": f"http://{HOST}{page}?{query}", "hash": ""}

    status, body = send(Target("page", "POST", "/_dash-update-component", json.dumps(callback_payload(
        pages_dep, lambda _i, prop: url.get(prop), "_pages_location.pathname")).encode(), JSON))
    if status != 200:
        out.error = f"_pages_location callback for {page} answered {status}: {body[:300]!r}"
        return out
    components: dict[str, tuple[str, dict]] = {}
    walk_components(json.loads(body).get("response"), components)

    def value(ident: str, prop: str) -> object:
        kind, props = components.get(ident, ("", {}))
        if prop in props:
            return props[prop]
        if kind == "Location" and prop in url:
            return url[prop]
        return None

    missing = [i["id"] for i in main["inputs"] + main["state"] if i["id"] not in components]
    inputs = [(i["id"], i["property"]) for i in main["inputs"]]
    non_url = [(i, p) for i, p in inputs if components.get(i, ("",))[0] != "Location" and value(i, p) is not None]
    preferred = [x for x in non_url if "measure" in x[0]] or non_url or inputs
    out.trigger = f"{preferred[0][0]}.{preferred[0][1]}"
    out.controls = {f"{i}.{p}": value(i, p) for i, p in inputs + [(s["id"], s["property"]) for s in main["state"]]}
    out.compare_inputs = len(main["inputs"])
    out.compare = Target("compare callback", "POST", "/_dash-update-component",
                         json.dumps(callback_payload(main, value, out.trigger)).encode(), JSON)
    status, body = send(out.compare)
    if status != 200:
        out.error = (f"compare callback answered {status}" + (" (PreventUpdate: no update)" if status == 204 else "")
                     + (f"; ids not on the page: {missing}" if missing else "") + f": {body[:300]!r}")
        return out
    graphs, traces = count_graphs(json.loads(body))
    if not graphs:
        out.error = "compare callback answered 200 but produced no chart (no Graph with a figure in its response)"
    out.compare_size, out.compare_traces = len(body), traces
    return out


# ---------------------------------------------------------------- measuring


def percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def sequential(port: int, target: Target, *, n: int, warmup: int, max_seconds: float) -> tuple[list[float], str | None]:
    """Latencies (ms) of one client sending ``target`` back to back: at most n requests and max_seconds."""
    client = Client(port)
    try:
        for _ in range(warmup):
            target.send(client)
        samples: list[float] = []
        deadline = time.perf_counter() + max_seconds
        while len(samples) < n and time.perf_counter() < deadline:
            t0 = time.perf_counter()
            status, body = target.send(client)
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 200:
                return samples, f"HTTP {status}: {body[:200]!r}"
            samples.append(elapsed)
        return samples, None
    finally:
        client.close()


def warm_workers(port: int, targets: list[Target], connections: int = 8) -> None:
    """A few requests on fresh connections in parallel, so every worker has built its caches."""
    def run() -> None:
        client = Client(port)
        try:
            for target in targets:
                for _ in range(2):
                    target.send(client)
        except OSError:
            pass
        finally:
            client.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)


@dataclass
class LoadResult:
    ok: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0
    """CPU seconds the gunicorn workers used during the run."""
    client_cpu: float = 0.0
    """CPU seconds this process (the load generator) used during the run."""
    per_worker: list[float] = field(default_factory=list)
    """CPU seconds of each worker during the run (how evenly the connections were spread)."""
    others_cpu: float = 0.0
    """CPU seconds used on the machine by processes that are not part of this benchmark."""

    @property
    def cpu_ms_per_request(self) -> float:
        return self.server_cpu * 1000 / self.ok if self.ok else float("nan")

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def concurrent(port: int, target: Target, *, clients: int, seconds: float, max_requests: int,
               server_pids: list[int], fresh_connections: bool = True) -> LoadResult:
    """``clients`` threads sending ``target`` back to back, for ``seconds`` or ``max_requests`` in all.

    ``fresh_connections``: a new connection per request (``Connection: close``), as a browser whose
    user pauses longer than gunicorn's 2 s keep-alive; the kernel then spreads the requests over the
    workers. Otherwise each thread keeps one connection, which stays on the worker that accepted it.
    """
    if fresh_connections:
        target = Target(target.name, target.method, target.path, target.body, {**target.headers, "Connection": "close"})
    before = [cpu_seconds([pid]) for pid in server_pids]
    client_before, machine_before = sum(os.times()[:2]), machine_busy_seconds()
    lock = threading.Lock()
    counts = {"ok": 0, "errors": 0, "sent": 0}
    latencies: list[float] = []
    start = time.perf_counter()
    deadline = start + seconds

    def run() -> None:
        client = Client(port, timeout=max(5.0, seconds))
        mine: list[float] = []
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if counts["sent"] >= max_requests:
                        break
                    counts["sent"] += 1
                t0 = time.perf_counter()
                try:
                    status, _ = target.send(client)
                except OSError:
                    status = 0
                mine.append((time.perf_counter() - t0) * 1000)
                with lock:
                    counts["ok" if status == 200 else "errors"] += 1
        finally:
            client.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    per_worker = [cpu_seconds([pid]) - b for pid, b in zip(server_pids, before, strict=True)]
    client = sum(os.times()[:2]) - client_before
    others = machine_busy_seconds() - machine_before - sum(per_worker) - client
    return LoadResult(counts["ok"], counts["errors"], time.perf_counter() - start, latencies,
                      sum(per_worker), client, per_worker, max(0.0, others))


def duckdb_query_times(db_path: Path, ids: list[str], regions: list[str], first: int, last: int,
                       n: int, max_seconds: float) -> tuple[list[float], int]:
    from dashboard import db, queries

    db.configure(db_path)
    rows = len(queries.series(ids, regions, first, last))  # opens the connection (not timed)
    for _ in range(5):
        queries.series(ids, regions, first, last)
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(samples) < n and time.perf_counter() < deadline:
        t0 = time.perf_counter()
        queries.series(ids, regions, first, last)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, rows


def browser_first_render(urls: dict[str, str], runs: int, timeout: float) -> dict[str, list[float] | str]:
    """Seconds from driver.get(url) to a ``.main-svg`` on the page, a fresh browser (cold cache) per run."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    results: dict[str, list[float] | str] = {name: [] for name in urls}
    for _ in range(runs):
        for name, url in urls.items():
            options = Options()
            options.binary_location = "/usr/bin/chromium"
            for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--no-first-run", "--window-size=1400,1000"):
                options.add_argument(arg)
            service = Service("/usr/bin/chromedriver")
            driver = None
            try:
                driver = webdriver.Chrome(service=service, options=options)
                driver.set_page_load_timeout(timeout)
                t0 = time.perf_counter()
                driver.get(url)
                WebDriverWait(driver, timeout, poll_frequency=0.01).until(
                    lambda d: d.find_elements(By.CSS_SELECTOR, ".main-svg"))
                elapsed = (time.perf_counter() - t0) * 1000
                if isinstance(results[name], list):
                    results[name].append(elapsed)  # type: ignore[union-attr]
            except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
                results[name] = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"
            finally:
                if driver is not None:
                    driver.quit()
                if service.process is not None and service.process.poll() is None:
                    service.process.kill()
    return results


def profile_callback(send: Callable[[Target], tuple[int, bytes]], target: Target, n: int) -> str:
    """cProfile of ``n`` compare callbacks in this process (Flask test client), top functions."""
    for _ in range(3):
        send(target)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(n):
        send(target)
    prof.disable()
    each = (time.perf_counter() - t0) * 1000 / n
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    return f"cProfile of {n} compare callbacks (in-process, {each:.1f} ms each under the profiler)\n" + out.getvalue()


# ---------------------------------------------------------------- report


HOW_TO = """\
## How to run

    .venv/bin/python benchmarks/national.py            # about 2-3 minutes on 2 cores
    .venv/bin/python benchmarks/national.py --quick    # fewer requests, shorter load, one browser run
    .venv/bin/python benchmarks/national.py --profile  # adds a cProfile of the compare callback

Needs the project venv, Debian chromium and chromedriver in /usr/bin. Writes nothing to the
repository: the generated data, the database and the server logs live in a temporary directory that
is removed at the end (`--keep` keeps it). `--report FILE` writes this text and the table to FILE.
Exit status 0 when every goal passes, 1 when one is missed or could not be measured.

## What it measures

* **Data**: the real catalogue with 290 municipalities (the 12 members plus 278 generated ones,
  codes 9001-9278 which no Swedish municipality has) and 40 indicators (13 real plus 27
  `bench_indicator_NN`, named GENERERAD), a generated value for every indicator, municipality,
  Skåne and Riket 1995-2024 (about 350 000 rows, 1 % gaps in generated municipalities). Every row's
  source says "GENERERAT – endast prestandamätning, inte data"; none of it is ever shipped.
* **ETL build**: wall time of `python -m etl build --data DIR --db PATH` (interpreter start,
  validation, MLR totals, DuckDB write and atomic publish, and the coverage summary it prints).
* **Servers**: `gunicorn --config gunicorn.conf.py benchmarks.bench_wsgi:server` with PORT,
  MLR_DB_PATH, WEB_CONCURRENCY=2, MLR_THREADS=4 (the Procfile, bound to 127.0.0.1).
  `bench_wsgi` is `dashboard.app.create_app()` plus `/bench/floor`, which returns a precomputed
  JSON body as large as the compare callback's response: the floor is what HTTP + gunicorn + Flask
  (+ the app's after-request hooks) cost for that response, with no Dash, SQL or Plotly.
* **Compare callback**: found at run time in `/_dash-dependencies` (server-side, all outputs
  `cmp-*`, most inputs); its payload is built from the layout the `_pages_location` callback
  returns for `/jamfor?indicator=...&region=...&measure=per1000`, and a control change (the
  measure input) is the trigger, as when a director changes a control.
* **CSV API**: `/api/v1/observations.csv` with the same indicator, regions and measure.
* **DuckDB alone**: `dashboard.queries.series(...)` in-process for the rows the page reads
  (the indicator and population for per 1 000, the same regions and years).
* **Latency**: one sequential client on a keep-alive connection, p50/p95 in ms.
* **Throughput**: 8 client threads sending back to back for 10 s (bounded in count as well), a new
  connection per request, as browsers whose users pause longer than gunicorn's 2 s keep-alive; the
  table also gives the workers' CPU time per request and per worker, and the CPU time other
  processes on the machine used meanwhile (the load generator runs on the same machine). A short
  extra run on 8 keep-alive connections opened at once shows how gunicorn spreads those.
* **Memory**: VmHWM (peak resident set) of each gunicorn worker after the load.
* **Browser**: headless Chromium, a new browser (cold cache) per run, time from `driver.get` to
  the first `.main-svg` of `/jamfor`, next to the minimal one-graph Dash page
  (`benchmarks/minimal_app.py`, also under gunicorn); median of the runs.
"""


@dataclass
class Results:
    """Everything measured; a part that could not be measured stays None and prints as n/a."""

    info: dict[str, object] = field(default_factory=dict)
    query: str = ""
    build_s: float | None = None
    found: Discovery = field(default_factory=Discovery)
    floor_bytes: int = 0
    csv_bytes: int = 0
    duckdb: tuple[float, float] | None = None
    duckdb_rows: int = 0
    seq: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    load: dict[str, LoadResult | None] = field(default_factory=dict)
    keepalive: LoadResult | None = None
    hwm: list[float] = field(default_factory=list)
    browser: dict[str, list[float] | str] = field(default_factory=dict)
    load_avg: tuple[float, float] = (0.0, 0.0)
    notes: list[str] = field(default_factory=list)


def report_lines(r: Results) -> tuple[list[str], list[bool | None]]:
    """The printed table and the PASS/MISS lines; and each goal's outcome (None: not measured)."""
    lines: list[str] = []
    info = r.info
    lines.append(f"Selection: /jamfor?{r.query}")
    lines.append(f"Data: {info.get('municipalities')} municipalities + Skåne + Riket, {info.get('indicators')} "
                 f"indicators, {FIRST_YEAR}-{LAST_YEAR}, {info.get('rows', 0):,} generated rows; gunicorn 2 workers x "
                 f"4 threads; {os.cpu_count()} CPUs shared with the load client")
    lines.append(f"Machine load average (1 min): {r.load_avg[0]:.1f} at start, {r.load_avg[1]:.1f} at end")
    f = r.found
    lines.append(f"Compare callback: {f.compare_inputs} inputs, trigger {f.trigger or 'n/a'}, response "
                 f"{f.compare_size:,} bytes, {f.compare_traces} traces; CSV {r.csv_bytes:,} bytes; "
                 f"floor {r.floor_bytes:,} bytes")
    lines.append("")

    def ms(key: str, i: int) -> str:
        pair = r.seq.get(key)
        return "n/a" if pair is None else f"{pair[i]:.1f}"

    def per_load(key: str, what: Callable[[LoadResult], str]) -> str:
        res = r.load.get(key)
        return "n/a" if res is None or not res.ok else what(res)

    duck = ("n/a", "n/a") if r.duckdb is None else (f"{r.duckdb[0]:.2f}", f"{r.duckdb[1]:.2f}")
    head = f"{'':34}{'(a) callback':>14}{'(b) CSV API':>14}{'(c) floor':>12}{'(d) DuckDB':>12}"
    lines += [head, "-" * len(head)]
    lines.append(f"{'1 client p50 (ms)':34}{ms('callback', 0):>14}{ms('csv', 0):>14}{ms('floor', 0):>12}{duck[0]:>12}")
    lines.append(f"{'1 client p95 (ms)':34}{ms('callback', 1):>14}{ms('csv', 1):>14}{ms('floor', 1):>12}{duck[1]:>12}")
    rows: list[tuple[str, Callable[[LoadResult], str]]] = [
        ("8 clients req/s", lambda x: f"{x.rps:.0f}"),
        ("8 clients p95 (ms)", lambda x: f"{percentiles(x.latencies)[1]:.0f}"),
        ("8 clients worker CPU ms/request", lambda x: f"{x.cpu_ms_per_request:.1f}"),
        ("8 clients CPU s per worker", lambda x: "/".join(f"{c:.1f}" for c in x.per_worker)),
        ("8 clients CPU s, other processes", lambda x: f"{x.others_cpu:.1f}"),
    ]
    for label, what in rows:
        lines.append(f"{label:34}{per_load('callback', what):>14}{per_load('csv', what):>14}"
                     f"{per_load('floor', what):>12}")
    if r.keepalive is not None and r.keepalive.ok:
        lines.append(f"(8 clients: a new connection per request. On 8 keep-alive connections opened at once the "
                     f"callback gave {r.keepalive.rps:.0f} req/s, CPU s per worker "
                     f"{'/'.join(f'{c:.1f}' for c in r.keepalive.per_worker)}.)")
    lines.append("")
    lines.append("Peak memory per worker (VmHWM after the load): "
                 + (", ".join(f"{mb:.0f} MB" for mb in r.hwm) if r.hwm else "n/a"))
    lines.append("ETL build (python -m etl build): " + ("n/a" if r.build_s is None else f"{r.build_s:.1f} s"))

    def browser_cell(name: str) -> str:
        res = r.browser.get(name)
        if isinstance(res, str):
            return res
        return f"{float(np.median(res)):.0f} ms (runs {', '.join(f'{x:.0f}' for x in res)})" if res else "n/a"

    lines.append(f"First render in headless Chromium (driver.get -> .main-svg, median of cold runs): "
                 f"/jamfor {browser_cell('jamfor')}; minimal one-graph Dash page {browser_cell('minimal')}")
    lines.append("")

    goals: list[tuple[str, str, bool | None]] = []
    cb, fl = r.seq.get("callback"), r.seq.get("floor")
    if cb is not None and fl is not None and r.duckdb is not None:
        bound = 3 * fl[1] + r.duckdb[1]
        goals.append(("callback p95 <= 3 x floor p95 + DuckDB p95",
                      f"{cb[1]:.1f} ms vs {bound:.1f} ms (3 x {fl[1]:.1f} + {r.duckdb[1]:.1f})", cb[1] <= bound))
    else:
        goals.append(("callback p95 <= 3 x floor p95 + DuckDB p95", "not measured", None))
    goals.append(("callback p95 < 50 ms, 1 user", "not measured" if cb is None else f"{cb[1]:.1f} ms",
                  None if cb is None else cb[1] < GOAL_CALLBACK_MS))
    for key, label in (("callback", "callback"), ("csv", "CSV API")):
        res = r.load.get(key)
        goals.append((f"{label} >= 150 req/s, 8 clients, 2 cores",
                      "not measured" if res is None else f"{res.rps:.0f} req/s ({res.errors} errors)",
                      None if res is None else res.rps >= GOAL_RPS and res.errors == 0))
    goals.append(("< 300 MB per worker", f"max {max(r.hwm):.0f} MB" if r.hwm else "not measured",
                  (max(r.hwm) < GOAL_WORKER_MB) if r.hwm else None))
    goals.append(("national build < 30 s", "not measured" if r.build_s is None else f"{r.build_s:.1f} s",
                  None if r.build_s is None else r.build_s < GOAL_BUILD_S))
    lines.append(f"{'goal':46}{'measured':50}result")
    lines.append("-" * 102)
    for goal, measured, ok in goals:
        lines.append(f"{goal:46}{measured:50}{'n/a' if ok is None else 'PASS' if ok else 'MISS'}")
    if r.notes:
        lines.append("")
        lines += [f"note: {n}" for n in r.notes]
    return lines, [ok for *_, ok in goals]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--indicator", default="housing_starts", help="indicator of the measured selection")
    ap.add_argument("--regions", default=None,
                    help="comma-separated regions [default: the 12 MLR members plus MLR,12,00]")
    ap.add_argument("--measure", default="per1000")
    ap.add_argument("--requests", type=int, default=200, help="sequential requests per target")
    ap.add_argument("--load-seconds", type=float, default=10.0)
    ap.add_argument("--browser-runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="60 requests, 5 s load, one browser run")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of the compare callback")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (printed)")
    ap.add_argument("--report", type=Path, default=None, help="also write how-to and results (markdown) here")
    args = ap.parse_args()
    if args.quick:
        args.requests, args.load_seconds, args.browser_runs = 60, 5.0, 1

    def on_term(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="mlr-bench-"))
    servers: list[Gunicorn] = []
    r = Results()
    load_start = os.getloadavg()[0]

    def say(text: str = "") -> None:
        print(text, flush=True)

    try:
        say(f"National-scale benchmark; temporary directory {tmp}")
        t0 = time.perf_counter()
        r.info = info = generate_data(tmp / "data")
        say(f"  generated {info['rows']:,} rows: {info['municipalities']} municipalities + Skåne + Riket, "
            f"{info['indicators']} indicators, {info['years']} years ({time.perf_counter() - t0:.1f} s, not timed)")
        db_path = tmp / "db" / "mlr.duckdb"
        try:
            r.build_s, build_line = build_database(tmp / "data", db_path, tmp / "etl-build.log", timeout=600)
            say(f"  ETL build {r.build_s:.1f} s: {build_line}")
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            say(f"  {exc}")
            r.notes.append(f"ETL build failed, nothing else could be measured: {str(exc).splitlines()[0]}")
            raise _Abort from None

        regions = args.regions.split(",") if args.regions else [*info["members"], *BENCHMARKS]  # type: ignore[misc]
        page = "/jamfor"
        r.query = query = urllib.parse.urlencode(
            {"indicator": args.indicator, "region": ",".join(regions), "measure": args.measure}, safe=",")
        csv_target = Target("CSV API", "GET", f"/api/v1/observations.csv?{query}")

        # The compare response's size, measured in-process first, so that the floor route can match it.
        send_inproc: Callable[[Target], tuple[int, bytes]] | None = None
        try:
            from dashboard.app import create_app
            from dashboard.config import Settings

            inproc = create_app(Settings(db_path=db_path, host=HOST, port=0, debug=False)).server.test_client()

            def send_inproc(target: Target) -> tuple[int, bytes]:
                resp = inproc.open(target.path, method=target.method, data=target.body, headers=target.headers)
                return resp.status_code, resp.data

            sizing = discover(send_inproc, page, query)
        except Exception as exc:  # noqa: BLE001 - a page mid-rewrite: report it, measure the rest
            sizing = Discovery(error=f"{type(exc).__name__}: {exc}")
        r.floor_bytes = sizing.compare_size or DEFAULT_FLOOR_BYTES
        if not sizing.compare_size:
            r.notes.append(f"floor body: the default {DEFAULT_FLOOR_BYTES:,} bytes, because the compare callback "
                           f"failed in-process ({sizing.error})")
        say(f"  compare callback in-process: {sizing.error or 'ok'}; {sizing.compare_inputs} inputs, trigger "
            f"{sizing.trigger}, response {sizing.compare_size:,} bytes; floor body {r.floor_bytes:,} bytes")

        # DuckDB alone, for the rows the page reads for this selection.
        try:
            first = int(sizing.controls.get("cmp-from.value") or FIRST_YEAR)  # type: ignore[call-overload]
            last = int(sizing.controls.get("cmp-to.value") or LAST_YEAR)  # type: ignore[call-overload]
            ids = [args.indicator] + (["population"] if args.measure == "per1000" else [])
            samples, r.duckdb_rows = duckdb_query_times(db_path, ids, regions, first, last,
                                                        n=max(args.requests, 100), max_seconds=20)
            r.duckdb = percentiles(samples)
            say(f"  DuckDB series(): {r.duckdb_rows} rows, p50 {r.duckdb[0]:.2f} ms, p95 {r.duckdb[1]:.2f} ms")
        except Exception as exc:  # noqa: BLE001
            r.notes.append(f"DuckDB query: {type(exc).__name__}: {exc}")

        app = Gunicorn("benchmarks.bench_wsgi:server",
                       {"MLR_DB_PATH": str(db_path), "MLR_BENCH_FLOOR_BYTES": str(r.floor_bytes)},
                       tmp / "gunicorn-app.log")
        servers.append(app)
        try:
            app.start()
        except RuntimeError as exc:
            r.notes.append(f"the app did not start under gunicorn: {str(exc).splitlines()[0]}")
            say(f"  {exc}")
            raise _Abort from None
        say(f"  gunicorn app on {HOST}:{app.port}, workers {app.workers()}")

        def send_http(target: Target) -> tuple[int, bytes]:
            client = Client(app.port)
            try:
                return target.send(client)
            finally:
                client.close()

        compare_target: Target | None = None
        for wait in RETRY_WAITS:  # the page may be mid-rewrite: try again a bit later, bounded
            if wait:
                say(f"  compare callback unavailable ({r.found.error}); trying again in {wait} s")
                time.sleep(wait)
            try:
                r.found = discover(send_http, page, query)
            except Exception as exc:  # noqa: BLE001
                r.found = Discovery(error=f"{type(exc).__name__}: {exc}")
            if r.found.compare is not None and not r.found.error:
                compare_target = r.found.compare
                break
        else:
            r.notes.append(f"COMPARE CALLBACK FAILED in all {len(RETRY_WAITS)} attempts: {r.found.error}")
        status, body = send_http(csv_target)
        if status == 200:
            r.csv_bytes = len(body)
        else:
            r.notes.append("CSV API: /api/v1/observations.csv does not exist yet (404): n/a" if status == 404
                           else f"CSV API answered {status}: {body[:200]!r}")
        csv_or_none = csv_target if status == 200 else None
        floor_target = Target("floor", "POST", "/bench/floor", compare_target.body if compare_target else b"{}", JSON)
        warm_workers(app.port, [t for t in (compare_target, csv_or_none, floor_target) if t])

        measured = (("callback", compare_target), ("csv", csv_or_none), ("floor", floor_target))
        for key, target in measured:
            r.seq[key] = None
            if target is None:
                continue
            samples, err = sequential(app.port, target, n=args.requests, warmup=10, max_seconds=60)
            if err:
                r.notes.append(f"{target.name}, 1 client: {err}")
            r.seq[key] = percentiles(samples) if samples else None
            p50, p95 = ("n/a", "n/a") if r.seq[key] is None else (f"{r.seq[key][0]:.1f}", f"{r.seq[key][1]:.1f}")
            say(f"  1 client {target.name}: {len(samples)} requests, p50/p95 {p50}/{p95} ms")
        for key, target in measured:
            r.load[key] = None
            if target is None:
                continue
            r.load[key] = res = concurrent(app.port, target, clients=8, seconds=args.load_seconds,
                                           max_requests=50000, server_pids=app.workers())
            say(f"  8 clients {target.name}: {res.ok} ok, {res.errors} errors in {res.seconds:.1f} s "
                f"= {res.rps:.0f} req/s; workers {' + '.join(f'{c:.1f}' for c in res.per_worker)} CPU s "
                f"({res.cpu_ms_per_request:.1f} ms/request), load client {res.client_cpu:.1f}, "
                f"other processes {res.others_cpu:.1f} CPU s")
            if res.errors:
                r.notes.append(f"{target.name}, 8 clients: {res.errors} failed requests")
        if compare_target is not None:
            # The same load on 8 keep-alive connections opened at once: how gunicorn spreads those.
            r.keepalive = concurrent(app.port, compare_target, clients=8, seconds=min(5.0, args.load_seconds),
                                     max_requests=50000, server_pids=app.workers(), fresh_connections=False)
            say(f"  8 keep-alive clients {compare_target.name}: {r.keepalive.rps:.0f} req/s; workers "
                f"{' + '.join(f'{c:.1f}' for c in r.keepalive.per_worker)} CPU s")
        r.hwm = [mb for mb in (vm_hwm_mb(pid) for pid in app.workers()) if mb]
        say("  worker VmHWM: " + ", ".join(f"{mb:.0f} MB" for mb in r.hwm))

        minimal = Gunicorn("benchmarks.minimal_app:server", {}, tmp / "gunicorn-minimal.log")
        servers.append(minimal)
        try:
            minimal.start()
            r.browser = browser_first_render({"jamfor": f"http://{HOST}:{app.port}{page}?{query}",
                                              "minimal": f"http://{HOST}:{minimal.port}/"},
                                             runs=args.browser_runs, timeout=60)
        except RuntimeError as exc:
            r.notes.append(f"browser test: {str(exc).splitlines()[0]}")
        minimal.stop()
        app.stop()  # the profile below runs in this process; keep the CPUs to it

        if args.profile and send_inproc is not None and sizing.compare is not None and not sizing.error:
            say("")
            say(profile_callback(send_inproc, sizing.compare, n=30))
    except _Abort:
        pass
    except KeyboardInterrupt:
        say("interrupted; cleaning up")
        return 130
    finally:
        for server in servers:
            try:
                server.stop()
            except Exception as exc:  # noqa: BLE001
                print(f"warning: could not stop {server.wsgi}: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    r.load_avg = (load_start, os.getloadavg()[0])
    lines, outcomes = report_lines(r)
    say("")
    for line in lines:
        say(line)
    if args.report:
        args.report.write_text(
            "# National-scale benchmark (benchmarks/national.py)\n\n"
            f"Run {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} CPUs.\n\n```\n" + "\n".join(lines)
            + "\n```\n\n" + HOW_TO, encoding="utf-8")
        say(f"\nwrote {args.report}")
    return 0 if all(ok is not False for ok in outcomes) and None not in outcomes else 1


class _Abort(Exception):
    """A step failed in a way that makes the rest meaningless; the table is still printed."""


if __name__ == "__main__":
    sys.exit(main())
