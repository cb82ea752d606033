"""Hostile HTTP: malformed callback bodies, made-up component-suite paths, oversized bodies, a forged
Host header, a /health that leaks nothing, parameters the API must refuse, and OPTIONS."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from dashboard import security

UPDATE = "/_dash-update-component"
HEADER = "..site-header.children...site-footer.children...skip-link.children.."
OUTPUTS = [{"id": "site-header", "property": "children"}, {"id": "site-footer", "property": "children"},
           {"id": "skip-link", "property": "children"}]
INPUTS = [{"id": "url", "property": "pathname", "value": "/"}, {"id": "url", "property": "search", "value": ""}]
VALID = {"output": HEADER, "outputs": OUTPUTS, "inputs": INPUTS, "changedPropIds": ["url.pathname"]}


def _with(**changes: object) -> str:
    return json.dumps({**VALID, **changes})


def _without(key: str) -> str:
    return json.dumps({k: v for k, v in VALID.items() if k != key})


BAD_BODIES = {
    "empty object": "{}",
    "list": "[1,2,3]",
    "null": "null",
    "number": "42",
    "string": '"x"',
    "not json": "not json{",
    "empty body": "",
    "nested lists": "[" * 10_000 + "]" * 10_000,
    "nested inputs": '{"output": "x", "inputs": ' + "[" * 10_000 + "]" * 10_000 + "}",
    "nested past the depth limit": _with(inputs=[{**INPUTS[0], "value": json.loads("[" * 100 + "]" * 100)},
                                                 INPUTS[1]]),
    "unknown output": json.dumps({"output": "nope.children", "outputs": {"id": "nope", "property": "children"},
                                  "inputs": []}),
    "clientside output": json.dumps({"output": "main.data-lang", "outputs": {"id": "main", "property": "data-lang"},
                                     "inputs": [INPUTS[1]]}),
    "output missing": _without("output"),
    "output a number": _with(output=5),
    "output a list": _with(output=[]),
    "outputs missing": _without("outputs"),
    "too few outputs": _with(outputs=OUTPUTS[:1]),
    "too many outputs": _with(outputs=OUTPUTS * 2),
    "outputs an object": _with(outputs=OUTPUTS[0]),
    "outputs of another callback": _with(outputs=[{"id": "x", "property": "children"}] * 3),
    "outputs with a list id": _with(outputs=[{"id": ["x"], "property": "children"}] * 3),
    "inputs missing": _without("inputs"),
    "no inputs": _with(inputs=[]),
    "too few inputs": _with(inputs=INPUTS[:1]),
    "too many inputs": _with(inputs=INPUTS * 2),
    "inputs a string": _with(inputs="abc"),
    "inputs an object": _with(inputs={"a": 1}),
    "inputs null": _with(inputs=None),
    "inputs numbers": _with(inputs=[1, 2]),
    "inputs of another component": _with(inputs=[{"id": "x", "property": "y", "value": 1}] * 2),
    "unexpected state": _with(state=[{"id": "x", "property": "y", "value": 1}]),
    "state a string": _with(state="x"),
    "changedPropIds a number": _with(changedPropIds=5),
    "changedPropIds numbers": _with(changedPropIds=[1]),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_malformed_callback_body_is_a_400_with_a_short_message(client, body: str) -> None:
    resp = client.post(UPDATE, data=body, content_type="application/json")
    assert resp.status_code == 400, resp.data[:300]
    assert resp.mimetype == "application/json"
    text = resp.get_data(as_text=True)
    assert len(text) < 300 and "Traceback" not in text
    assert resp.get_json()["error"]["message"]


def test_a_callback_body_that_is_not_json_by_content_type_is_a_400(client) -> None:
    resp = client.post(UPDATE, data=json.dumps(VALID), content_type="text/plain")
    assert resp.status_code == 400 and resp.get_json()["error"]["message"]


def test_a_valid_callback_body_still_runs(client) -> None:
    resp = client.post(UPDATE, data=json.dumps(VALID), content_type="application/json")
    assert resp.status_code == 200 and resp.get_json()["multi"] is True


def test_every_callback_of_the_app_still_accepts_its_own_shape(client) -> None:
    """Each server callback's declared inputs, state and outputs pass the guard (the body reaches
    Dash, which answers 200 or 204 for no update)."""
    client.get("/")
    deps = [d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]
    assert len(deps) >= 5
    for dep in deps:
        out = dep["output"]
        parts = out.strip(".").split("...") if out.startswith("..") else [out]
        outputs = [{"id": p.rpartition(".")[0], "property": p.rpartition(".")[2]} for p in parts]
        body = {"output": out, "outputs": outputs if out.startswith("..") else outputs[0],
                "inputs": [{**i, "value": None} for i in dep["inputs"]],
                "state": [{**s, "value": None} for s in dep["state"]],
                "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"][:1]]}
        resp = client.post(UPDATE, data=json.dumps(body), content_type="application/json")
        assert resp.status_code in (200, 204), (out, resp.data[:300])


# --- /_dash-component-suites/ ----------------------------------------------------------------------

SUITE_PATHS = [
    "/_dash-component-suites/dash/../../etc/passwd",
    "/_dash-component-suites/dash/..%2f..%2fsetup.py",
    "/_dash-component-suites/nope/x.js",
    "/_dash-component-suites/sys/x.js",
    "/_dash-component-suites/dash/dcc/nope.js",
    "/_dash-component-suites/dash/",
    "/_dash-component-suites/dash",
    "/_dash-component-suites/",
    "/_dash-component-suites/dash/dcc",
    "/_dash-component-suites/dash/deps/",
    "/_dash-component-suites/dash/" + "a" * 5000 + ".js",
    "/_dash-component-suites/" + "b" * 5000 + "/x.js",
    "/_dash-component-suites/dash/%00",
    "/_dash-component-suites/dash/dcc/%00.js",
    "/_dash-component-suites/%00/x.js",
]


@pytest.mark.parametrize("path", SUITE_PATHS, ids=lambda p: p[:60])
def test_unknown_component_suite_paths_are_404(client, path: str) -> None:
    client.get("/")  # the index registers the real paths
    assert client.get(path).status_code == 404


def test_the_real_component_suites_are_still_served(client) -> None:
    html = client.get("/").get_data(as_text=True)
    import re

    srcs = re.findall(r'src="(/_dash-component-suites/[^"]+)"', html)
    assert srcs
    for src in srcs:
        assert client.get(src).status_code == 200, src


# --- body size -----------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_with_413(app, client) -> None:
    assert app.server.config["MAX_CONTENT_LENGTH"] == security.MAX_BODY == 1024 * 1024
    big = b"x" * (10 * 1024 * 1024)
    for path in (UPDATE, "/", "/api/v1/indicators"):
        assert client.post(path, data=big, content_type="application/json").status_code == 413, path
    small = json.dumps({**VALID, "pad": "x" * 1000})
    assert client.post(UPDATE, data=small, content_type="application/json").status_code == 200


# --- Host header -----------------------------------------------------------------------------------

EVIL = {"Host": "evil.example"}
Q = "indicator=population&region=1280&from=2019&to=2020"


def _xlsx_text(data: bytes) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)


def test_a_forged_host_header_is_echoed_nowhere(client) -> None:
    body = client.get(f"/api/v1/observations.json?{Q}", headers=EVIL)
    assert body.status_code == 200
    assert "evil.example" not in body.get_data(as_text=True)
    assert body.get_json()["url"] == f"/api/v1/observations.json?{Q}"  # relative without MLR_PUBLIC_URL
    xlsx = client.get(f"/api/v1/observations.xlsx?{Q}", headers=EVIL)
    assert xlsx.status_code == 200
    text = _xlsx_text(xlsx.data)
    assert "evil.example" not in text and f"/api/v1/observations.xlsx?{Q}" in text
    for path in ("/", "/jamfor", "/data?lang=en", "/om", "/fokus/bostadsbyggande", "/finns-inte"):
        page = client.get(path, headers=EVIL)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "evil.example" not in html, path
        assert f'<meta property="twitter:url" content="{path.replace("&", "&amp;")}">' in html
    assert "evil.example" not in client.get("/api/v1/openapi.json", headers=EVIL).get_data(as_text=True)


def test_absolute_urls_come_from_mlr_public_url(app, client, monkeypatch: pytest.MonkeyPatch) -> None:
    base = "https://uppfoljning.example.se"
    monkeypatch.setitem(app.server.config, security.PUBLIC_URL_KEY, base)
    assert client.get(f"/api/v1/observations.json?{Q}", headers=EVIL).get_json()["url"] == \
        f"{base}/api/v1/observations.json?{Q}"
    text = _xlsx_text(client.get(f"/api/v1/observations.xlsx?{Q}", headers=EVIL).data)
    assert f"{base}/api/v1/observations.xlsx?{Q}" in text and "evil.example" not in text
    html = client.get("/om?lang=en", headers=EVIL).get_data(as_text=True)
    assert f'<meta property="twitter:url" content="{base}/om?lang=en">' in html and "evil.example" not in html
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [{"url": base}]


def test_mlr_public_url_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    assert security.parse_public_url("") == ""
    assert security.parse_public_url(" https://uppfoljning.example.se/ ") == "https://uppfoljning.example.se"
    assert security.parse_public_url("https://example.se/mlr/") == "https://example.se/mlr"
    for bad in ("uppfoljning.example.se", "javascript:alert(1)", "https://", "https://x.se/?a=1",
                'https://x.se/"><script>', "ftp://x.se"):
        with pytest.raises(ValueError, match="MLR_PUBLIC_URL"):
            security.parse_public_url(bad)
    monkeypatch.setenv("MLR_PUBLIC_URL", "https://uppfoljning.example.se/")
    server = Flask("t")
    security.install(server)
    assert server.config["MLR_PUBLIC_URL"] == "https://uppfoljning.example.se"


# --- /health ---------------------------------------------------------------------------------------


def test_health_503_says_only_database_unavailable(tmp_path) -> None:
    """A fresh app over a missing file, in its own process (Dash's page registry is per process)."""
    missing = tmp_path / "secret-dir" / "missing.duckdb"
    script = (
        "import json, logging, sys\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.ERROR)\n"
        "from dashboard.app import create_app\n"
        "resp = create_app().server.test_client().get('/health')\n"
        "print(json.dumps({'status': resp.status_code, 'body': resp.get_data(as_text=True)}))\n"
    )
    env = {**os.environ, "MLR_DB_PATH": str(missing)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).resolve().parents[2], check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["status"] == 503
    assert json.loads(out["body"]) == {"status": "error", "error": "database unavailable"}
    assert "secret-dir" not in out["body"] and str(tmp_path) not in out["body"]
    assert "health check failed" in done.stderr  # the detail is logged


# --- parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url,param", [
    ("/api/v1/indicators?lang=de", "lang"),
    ("/api/v1/regions?lang=de", "lang"),
    ("/api/v1/indicators?lang=%3Cscript%3E", "lang"),
    ("/api/v1/observations.csv?to=", "to"),
    ("/api/v1/observations.csv?from=", "from"),
    ("/api/v1/observations.json?indicator=population&from=%20&to=2020", "from"),
    ("/api/v1/observations.xlsx?indicator=population&from=2015&to=", "to"),
    ("/api/v1/observations.csv?indicator=population&measure=index&base=", "base"),
])
def test_unknown_lang_and_empty_years_are_400s_naming_the_parameter(client, url: str, param: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 400, resp.data[:200]
    assert resp.get_json()["error"]["param"] == param


def test_known_lang_on_the_catalogue_endpoints(client) -> None:
    for path in ("/api/v1/indicators", "/api/v1/regions"):
        for lang in ("sv", "en", ""):
            assert client.get(f"{path}?lang={lang}").status_code == 200


def _examples(spec: dict, operation: dict) -> dict[str, list[str]]:
    """Every example (and default) value per parameter of an operation."""
    out: dict[str, list[str]] = {}
    for ref in operation.get("parameters", []):
        param = spec["components"]["parameters"][ref["$ref"].rsplit("/", 1)[1]] if "$ref" in ref else ref
        values = [param[k] for k in ("example",) if k in param] + \
                 [param["schema"][k] for k in ("default",) if k in param["schema"]] + \
                 list(param.get("examples", {}).values())
        if values:
            out[param["name"]] = [str(v) for v in values]
    return out


def test_every_openapi_example_is_accepted(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    seen = 0
    for path, item in spec["paths"].items():
        examples = _examples(spec, item["get"])
        if not examples:
            continue
        together = {name: values[0] for name, values in examples.items()}
        resp = client.get(path, query_string=together)
        assert resp.status_code == 200, (path, together, resp.data[:300])
        for name, values in examples.items():
            for value in values:
                resp = client.get(path, query_string={name: value})
                assert resp.status_code == 200, (path, name, value, resp.data[:300])
                seen += 1
    assert seen >= 20


# --- OPTIONS ---------------------------------------------------------------------------------------


def test_options_under_api_is_a_json_405(client) -> None:
    for path in ("/api/v1/indicators", "/api/v1/observations.csv", "/api/v1/openapi.json", "/api/v1/nope", "/api"):
        resp = client.open(path, method="OPTIONS")
        assert resp.status_code == 405, path
        assert resp.mimetype == "application/json" and "GET" in resp.get_json()["error"]["message"]
        assert resp.headers["Allow"] == "GET, HEAD"
    assert client.post("/api/v1/indicators").headers["Allow"] == "GET, HEAD"
