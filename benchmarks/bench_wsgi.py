"""WSGI entry for the benchmark only: the real app plus one extra route, ``/bench/floor``.

``benchmarks/national.py`` runs ``gunicorn --config gunicorn.conf.py benchmarks.bench_wsgi:server``
exactly as the Procfile runs ``dashboard.wsgi:server``. The extra route answers GET or POST with a
precomputed JSON body of ``MLR_BENCH_FLOOR_BYTES`` bytes (the measured size of a typical compare
callback response): the cost of HTTP, gunicorn, Flask and the app's after-request hooks for a
response of that size, without Dash dispatch, queries or figures. Never used in production.
"""

from __future__ import annotations

import json
import os

from flask import Response

from dashboard.app import create_app


def floor_body(size: int) -> bytes:
    """A JSON document shaped like a callback response, padded to exactly ``size`` bytes (if >= its skeleton)."""
    doc = {"multi": True, "response": {"bench-floor": {"children": ""}}}
    skeleton = len(json.dumps(doc, separators=(",", ":")).encode())
    doc["response"]["bench-floor"]["children"] = "x" * max(0, size - skeleton)
    return json.dumps(doc, separators=(",", ":")).encode()


FLOOR = floor_body(int(os.environ.get("MLR_BENCH_FLOOR_BYTES", "20000")))

app = create_app()
server = app.server


@server.route("/bench/floor", methods=["GET", "POST"])
def bench_floor() -> Response:
    return Response(FLOOR, mimetype="application/json")
