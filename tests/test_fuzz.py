"""Random and hostile values into every callback and every API route: never a 500."""

from __future__ import annotations

import json
import random
import string

import pytest

HOSTILE: list[object] = [
    "", " ", "'; DROP TABLE observation; --", "1 OR 1=1", "../../../../etc/passwd", "=HYPERLINK(\"x\")",
    "<script>alert(1)</script>", "\x00", "%00", "9" * 500, "-1", "0", "1e309", "NaN", "null", "undefined",
    "ÅÄÖ åäö", "🙂", "?lang=en&indicator=x", "/fokus/../../om", "housing_starts,population," * 30,
    "MLR,12,00,1280,9999", "abs,per1000", "2015", "20150", "-2015", 2015, -1, 10**20, 3.5, None, True, [],
    ["1280", None, 7], {"a": 1}, [["x"]],
]


def _random_value(rng: random.Random) -> object:
    kind = rng.randrange(5)
    if kind == 0:
        return "".join(rng.choice(string.printable + "åäöÅÄÖ€") for _ in range(rng.randrange(1, 60)))
    if kind == 1:
        return rng.choice(HOSTILE)
    if kind == 2:
        return rng.randint(-10**6, 10**6)
    if kind == 3:
        return [rng.choice(HOSTILE) for _ in range(rng.randrange(0, 4))]
    return rng.choice(["housing_completions", "population", "1280", "MLR", "line", "heatmap", "index", "2018"])


def _outputs(output: str) -> list[dict[str, str]] | dict[str, str]:
    def one(part: str) -> dict[str, str]:
        ident, _, prop = part.rpartition(".")
        return {"id": ident, "property": prop}

    if output.startswith(".."):
        return [one(p) for p in output.strip(".").split("...")]
    return one(output)


@pytest.fixture(scope="module")
def dependencies(app):
    client = app.server.test_client()
    client.get("/")
    return [d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")]


def test_callbacks_never_answer_500(app, dependencies) -> None:
    client = app.server.test_client()
    rng = random.Random(20261123)
    assert dependencies, "the app has server-side callbacks"
    failures = []
    for dep in dependencies:
        if any(isinstance(i["id"], dict) or i["id"].startswith("{") for i in dep["inputs"]):
            continue
        for _ in range(25):
            inputs = [{**i, "value": _random_value(rng)} for i in dep["inputs"]]
            state = [{**s, "value": _random_value(rng)} for s in dep["state"]]
            payload = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": inputs,
                       "state": state, "changedPropIds": [f"{i['id']}.{i['property']}" for i in dep["inputs"][:1]]}
            response = client.post("/_dash-update-component", data=json.dumps(payload, default=str),
                                   content_type="application/json")
            if response.status_code >= 500:
                failures.append((dep["output"], json.dumps(inputs, default=str)[:300]))
    assert failures == []


def test_api_and_pages_never_answer_500(app) -> None:
    client = app.server.test_client()
    routes = sorted({r.rule for r in app.server.url_map.iter_rules()
                     if r.rule.startswith("/api/") and "<" not in r.rule and "GET" in r.methods})
    routes += ["/", "/jamfor", "/data", "/om", "/fokus/bostadsbyggande", "/health"]
    params = ["indicator", "region", "from", "to", "measure", "base", "view", "sep", "format", "lang", "focus",
              "presentation"]
    rng = random.Random(7)
    failures = []
    for route in routes:
        for _ in range(40):
            query = {p: str(_random_value(rng)) for p in rng.sample(params, rng.randrange(1, 5))}
            response = client.get(route, query_string=query)
            if response.status_code >= 500:
                failures.append((route, query))
    for path in ("/fokus/%00", "/fokus/" + "x" * 3000, "/fokus/<script>", "/api/v1/observations.exe", "/api/v1/../etc"):
        if client.get(path).status_code >= 500:
            failures.append((path, {}))
    assert failures == []
