"""Security headers, a Content-Security-Policy without 'unsafe-eval', and optional sign-in.

Dash writes a few inline scripts into its index page (the renderer start-up and clientside
callbacks); instead of allowing inline scripts, the policy lists the SHA-256 hash of each one,
computed from the page as served. Plotly needs inline styles, so style-src allows them.
Sign-in is off by default; set ``MLR_AUTH_USERS`` to ``user:hash,user2:hash`` (hashes from
``python -m dashboard.security HASH-ME``) to require HTTP basic auth on every route but /health.

Hostile HTTP: request bodies are capped at ``MAX_BODY`` (413 beyond); absolute URLs are built from
``MLR_PUBLIC_URL`` (e.g. ``https://uppfoljning.example.se``), never from the request's Host header, and
without it they are relative (path and query only); ``guard_dash`` answers malformed callback bodies
and unknown ``/_dash-component-suites/`` paths with a 4xx instead of letting Dash fail with a 500.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import logging
import os
import re
import sys
import urllib.parse
from typing import Any

import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, abort, current_app, has_request_context, jsonify, request
from flask_httpauth import HTTPBasicAuth
from werkzeug.security import check_password_hash, generate_password_hash

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
"""Largest request body accepted (bytes); a callback body is a few kilobytes. Larger is a 413."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of lists and objects accepted in a callback body (the app's own are under 10)."""
PUBLIC_URL_KEY = "MLR_PUBLIC_URL"

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", re.S)
STATIC = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def script_hashes(html: str) -> list[str]:
    """CSP source expressions for every inline script in ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
    ]


def policy(hashes: list[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(sorted(set(hashes))),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def parse_public_url(text: str) -> str:
    """``MLR_PUBLIC_URL`` checked and without a trailing slash; blank means relative URLs ("")."""
    text = text.strip()
    if not text:
        return ""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or any(ch.isspace() or ch in "<>\"'\\" for ch in text):
        raise ValueError("MLR_PUBLIC_URL must look like 'https://uppfoljning.example.se' (scheme, host and "
                         "an optional path; no query)")
    return text.rstrip("/")


def public_root() -> str:
    """The configured public address of the app ("" when unset), for absolute URLs."""
    return str(current_app.config.get(PUBLIC_URL_KEY, "")) if has_request_context() else ""


def public_url() -> str:
    """The current request's URL for showing or saving: ``MLR_PUBLIC_URL`` + path + query, or only the
    path and query when it is unset. Never built from the Host header, which the client chooses."""
    query = request.query_string.decode("utf-8", "replace")
    path = (public_root() or request.script_root) + request.path
    return path + ("?" + query if query else "")


def install(server: Flask) -> None:
    """Add the headers to every response, the body limit, the public URL and, if configured,
    basic-auth sign-in."""
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    server.config[PUBLIC_URL_KEY] = parse_public_url(os.environ.get(PUBLIC_URL_KEY, ""))

    @server.before_request
    def _body_limit() -> None:
        # Refused before any view runs, whether or not it would read the body.
        if request.content_length is not None and request.content_length > MAX_BODY:
            abort(413)

    @server.after_request
    def _headers(response: Response) -> Response:
        for key, value in STATIC.items():
            response.headers.setdefault(key, value)
        hashes: list[str] = []
        if response.mimetype == "text/html" and not response.direct_passthrough:
            hashes = script_hashes(response.get_data(as_text=True))
        response.headers["Content-Security-Policy"] = policy(hashes)
        return response

    users = parse_users(os.environ.get("MLR_AUTH_USERS", ""))
    if users:
        auth = HTTPBasicAuth(realm="MalmöLundregionen")

        @auth.verify_password
        def _verify(username: str, password: str) -> str | None:
            stored = users.get(username)
            return username if stored and check_password_hash(stored, password) else None

        @server.before_request
        def _require_login() -> Response | None:
            if request.path == "/health":
                return None
            return auth.login_required(lambda: None)()


def _bad_callback(message: str) -> Response:
    resp = jsonify({"error": {"param": None, "message": message}})
    resp.status_code = 400
    return resp


def _depth_ok(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return True


def _wildcard(ident: Any) -> bool:
    return isinstance(ident, dict)


def _dependency_problem(kind: str, given: Any, declared: list[dict[str, Any]]) -> str | None:
    """Is ``given`` (the body's inputs or state) the list the callback declares, item by item?"""
    if not isinstance(given, list):
        return f"{kind} must be a list"
    if len(given) != len(declared):
        return f"{kind}: expected {len(declared)} items, got {len(given)}"
    for item, decl in zip(given, declared, strict=True):
        if _wildcard(decl["id"]):  # pattern matching: one item or a list of items with dict ids
            items = item if isinstance(item, list) else [item]
            if not all(isinstance(i, dict) and isinstance(i.get("id"), dict) and isinstance(i.get("property"), str)
                       for i in items):
                return f"{kind}: malformed item"
        elif not (isinstance(item, dict) and item.get("id") == decl["id"] and item.get("property") == decl["property"]):
            return f"{kind}: item does not match the callback"
    return None


def _outputs_problem(given: Any, declared: Any) -> str | None:
    declared_list = declared if isinstance(declared, (list, tuple)) else [declared]
    given_list = given if isinstance(declared, (list, tuple)) else [given]
    if isinstance(declared, (list, tuple)) and not isinstance(given, list):
        return "outputs must be a list"
    if len(given_list) != len(declared_list):
        return f"outputs: expected {len(declared_list)} items, got {len(given_list)}"
    for item, decl in zip(given_list, declared_list, strict=True):
        items = item if isinstance(item, list) else [item]
        for one in items:
            if not (isinstance(one, dict) and isinstance(one.get("id"), (str, dict))
                    and isinstance(one.get("property"), str)):
                return "outputs: malformed item"
            try:
                same = dash.Output(one["id"], one["property"].split("@")[0]) == decl
            except Exception:  # noqa: BLE001 - any id Dash cannot make an Output of is malformed
                same = False
            if not same:
                return "outputs: item does not match the callback"
    return None


def callback_problem(body: Any, callback_map: dict[str, dict[str, Any]]) -> str | None:
    """Why a ``/_dash-update-component`` body is not one Dash can run (None: it can). Dash itself
    assumes the renderer's shape and fails with a 500 on anything else."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str):
        return "output must be a string"
    cb = callback_map.get(output)
    if cb is None or "callback" not in cb:
        return "no such callback"
    if not isinstance(body.get("changedPropIds", []), list) or \
            not all(isinstance(p, str) for p in body.get("changedPropIds", [])):
        return "changedPropIds must be a list of strings"
    for kind in ("inputs", "state"):
        problem = _dependency_problem(kind, body.get(kind, []), cb.get(kind, []))
        if problem:
            return problem
    if not cb.get("no_output"):
        if "outputs" not in body:
            return "outputs missing"
        problem = _outputs_problem(body["outputs"], cb["output"])
        if problem:
            return problem
    return None


def guard_dash(app: dash.Dash) -> None:
    """Put a check in front of Dash's callback dispatch and component-suite routes (not a patch of
    Dash: the views are wrapped in the Flask app). A bad callback body is a 400 with a short JSON
    message, an unknown or malformed suite path a 404."""
    server = app.server
    prefix = app.config.routes_pathname_prefix
    dispatch_endpoint = prefix + "_dash-update-component"
    suites_prefix = prefix + "_dash-component-suites/"
    suites_endpoint = next(r.endpoint for r in server.url_map.iter_rules() if r.rule.startswith(suites_prefix))
    dispatch = server.view_functions[dispatch_endpoint]
    serve_suite = server.view_functions[suites_endpoint]

    @functools.wraps(dispatch)
    def guarded_dispatch(*args: Any, **kwargs: Any) -> Any:
        if not request.is_json:
            return _bad_callback("the body must be JSON (Content-Type: application/json)")
        try:
            body = json.loads(request.get_data(cache=True))
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's recursion limit
            return _bad_callback("the body is not valid JSON")
        if not _depth_ok(body):
            return _bad_callback(f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
        problem = callback_problem(body, app.callback_map)
        if problem:
            log.info("refused a callback body: %s", problem)
            return _bad_callback(f"not a valid callback request: {problem}")
        return dispatch(*args, **kwargs)

    @functools.wraps(serve_suite)
    def guarded_suite(package_name: str, fingerprinted_path: str) -> Any:
        path_in_package, _ = check_fingerprint(fingerprinted_path)
        registered = app.registered_paths.get(package_name)  # .get: it is a defaultdict
        if not registered or path_in_package not in registered:
            abort(404)
        return serve_suite(package_name=package_name, fingerprinted_path=fingerprinted_path)

    server.view_functions[dispatch_endpoint] = guarded_dispatch
    server.view_functions[suites_endpoint] = guarded_suite

    @server.before_request
    def _suites_only_known() -> None:
        # e.g. /_dash-component-suites/dash/ would otherwise fall through to the page catch-all.
        if request.path.startswith(suites_prefix) and request.endpoint != suites_endpoint:
            abort(404)


def page_metas(metas: str) -> str:
    """Dash's page meta tags with the URLs it takes from the request (``twitter:url`` = request.url,
    images under request.root_url) rebuilt from ``MLR_PUBLIC_URL`` (or relative)."""
    url = html.escape(public_url())
    metas = re.sub(r'(<meta property="(?:twitter|og):url" content=")[^"]*(")', lambda m: m[1] + url + m[2], metas)
    root = html.escape(request.root_url)
    return metas.replace(f'content="{root}', f'content="{html.escape(public_root() or request.script_root)}/')


def parse_users(text: str) -> dict[str, str]:
    """``user:hash,user2:hash`` -> {user: hash}; blank means sign-in is off."""
    users = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, hashed = item.partition(":")
        if not name or not hashed:
            raise ValueError("MLR_AUTH_USERS must look like 'user:hash,user2:hash'")
        users[name] = hashed
    return users


if __name__ == "__main__":  # python -m dashboard.security PASSWORD -> a hash for MLR_AUTH_USERS
    print(generate_password_hash(sys.argv[1]))
