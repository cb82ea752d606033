"""Security headers, a Content-Security-Policy without 'unsafe-eval', and optional sign-in.

Dash writes a few inline scripts into its index page (the renderer start-up and clientside
callbacks); instead of allowing inline scripts, the policy lists the SHA-256 hash of each one,
computed from the page as served. Plotly needs inline styles, so style-src allows them.
Sign-in is off by default; set ``MLR_AUTH_USERS`` to ``user:hash,user2:hash`` (hashes from
``python -m dashboard.security HASH-ME``) to require HTTP basic auth on every route but /health.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sys

from flask import Flask, Response, request
from flask_httpauth import HTTPBasicAuth
from werkzeug.security import check_password_hash, generate_password_hash

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


def install(server: Flask) -> None:
    """Add the headers to every response and, if configured, basic-auth sign-in."""

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
