"""Retries, Retry-After, timeouts, rate limiting and error messages of the shared HTTP client."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from etl.sources.http import HttpClient, HttpSettings, RateLimiter, SourceError, parse_retry_after

FAST = HttpSettings(
    timeout=2, connect_timeout=1, max_attempts=3, backoff_initial=0.01, backoff_max=0.02, retry_after_max=0.02
)


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    httpserver.no_handler_status_code = 404
    return httpserver


def client(settings: HttpSettings = FAST, **kw: object) -> HttpClient:
    return HttpClient(settings=settings, **kw)  # type: ignore[arg-type]


def hits(server: HTTPServer, path: str) -> int:
    return sum(1 for req, _ in server.log if req.path == path)


def test_429_with_retry_after_then_success(server: HTTPServer) -> None:
    server.expect_oneshot_request("/d").respond_with_response(Response("slow down", 429, headers={"Retry-After": "1"}))
    server.expect_request("/d").respond_with_json({"ok": 1})
    # backoff alone would wait 1 ms; a ~0.3 s pause shows Retry-After (1 s, capped at 0.3 s) was honoured
    settings = HttpSettings(timeout=2, max_attempts=3, backoff_initial=0.001, backoff_max=0.001, retry_after_max=0.3)
    start = time.monotonic()
    with client(settings) as http:
        resp = http.get_json(server.url_for("/d"))
    assert resp.data == {"ok": 1}
    assert 0.25 <= time.monotonic() - start < 2
    assert hits(server, "/d") == 2


def test_500_then_success(server: HTTPServer) -> None:
    server.expect_oneshot_request("/d").respond_with_data("oops", 500)
    server.expect_request("/d").respond_with_json({"ok": 2})
    seen: list[str] = []
    with client(on_request=seen.append) as http:
        resp = http.get_json(server.url_for("/d"), {"a": "1"})
    assert resp.data == {"ok": 2} and resp.url == server.url_for("/d?a=1")
    assert hits(server, "/d") == 2
    assert seen == [server.url_for("/d?a=1")]  # one progress step per request, not per attempt


def test_persistent_503_gives_up_with_status_and_body(server: HTTPServer) -> None:
    server.expect_request("/d").respond_with_data("backend down for maintenance", 503)
    with client() as http, pytest.raises(SourceError) as err:
        http.get_json(server.url_for("/d"))
    msg = str(err.value)
    assert "GET failed after 3 attempts: HTTP 503" in msg and "backend down for maintenance" in msg
    assert err.value.url == server.url_for("/d")
    assert hits(server, "/d") == 3


def test_timeout_is_retried_then_reported(server: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(0.3)
        return Response("{}", 200, content_type="application/json")

    server.expect_request("/slow").respond_with_handler(slow)
    settings = HttpSettings(timeout=0.05, connect_timeout=0.5, max_attempts=2, backoff_initial=0.01, backoff_max=0.01)
    start = time.monotonic()
    with client(settings) as http, pytest.raises(SourceError, match=r"failed after 2 attempts: timed out") as err:
        http.get_json(server.url_for("/slow"))
    assert err.value.url == server.url_for("/slow")
    assert time.monotonic() - start < 1.5


def test_connection_refused_is_a_source_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with client() as http, pytest.raises(SourceError, match="failed after 3 attempts: connection error"):
        http.get_json(f"http://127.0.0.1:{port}/x")


def test_client_errors_fail_fast_with_problem_title(server: HTTPServer) -> None:
    problem = '{"type": "Parameter error", "title": "Non-existent table", "status": 404}'
    server.expect_request("/t").respond_with_data(problem, 404, content_type="application/problem+json")
    with client() as http, pytest.raises(SourceError, match="(?i)GET failed: HTTP 404 not found: Non-existent table"):
        http.get_json(server.url_for("/t"))
    assert hits(server, "/t") == 1


def test_truncated_json_names_the_url(server: HTTPServer) -> None:
    server.expect_request("/t").respond_with_data('{"version": "2.0", "class": "dataset", "value": [1, 2')
    with client() as http, pytest.raises(SourceError) as err:
        http.get_json(server.url_for("/t"), {"q": "x"})
    assert "not valid JSON, probably truncated" in str(err.value)
    assert server.url_for("/t?q=x") in str(err.value)


def test_bom_is_tolerated_and_post_sends_json(server: HTTPServer) -> None:
    def echo(request: Request) -> Response:
        return Response(b"\xef\xbb\xbf" + request.get_data(), 200, content_type="application/json")

    server.expect_request("/p", method="POST").respond_with_handler(echo)
    with client() as http:
        resp = http.post_json(server.url_for("/p"), {"query": [], "response": {"format": "json-stat2"}})
    assert resp.data == {"query": [], "response": {"format": "json-stat2"}}


def test_rate_limiter_waits_for_the_window() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(2, 10.0, clock=lambda: now[0], sleep=sleep)
    limiter.acquire()
    now[0] += 1
    limiter.acquire()
    limiter.acquire()  # third call inside 10 s: waits until the first one leaves the window
    assert slept == [pytest.approx(9.0)]
    now[0] += 20
    limiter.acquire()
    assert len(slept) == 1


def test_rate_limiter_really_throttles_requests(server: HTTPServer) -> None:
    server.expect_request("/r").respond_with_json({})
    start = time.monotonic()
    with client(limiter=RateLimiter(2, 0.2)) as http:
        for _ in range(3):
            http.get_json(server.url_for("/r"))
    assert time.monotonic() - start >= 0.19


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after(later) or 0) <= 31
