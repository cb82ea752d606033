"""Shared HTTP plumbing for the official sources: client factory, retries, rate limiting, errors.

Every request to SCB or Kolada goes through :class:`HttpClient`, so timeouts, retries with
exponential back-off (honouring ``Retry-After``), the per-host rate limit and the error messages
are the same everywhere. Expected failures surface as :class:`SourceError` naming the request.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger(__name__)

USER_AGENT = "mlr-uppfoljning-etl/0.1 (MalmoLundregionen follow-up; python-httpx)"  # headers are ASCII
BODY_EXCERPT = 300

Params = Mapping[str, str] | Sequence[tuple[str, str]] | None


class SourceError(Exception):
    """A request to an official source failed, or its answer was not what we can use."""

    def __init__(self, message: str, url: str | None = None):
        self.message = message
        self.url = url
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} (url: {self.url})" if self.url else self.message


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts and retry policy; tests shrink the numbers to keep waits tiny."""

    timeout: float = 60.0
    """Read/write/pool timeout in seconds (SCB can be slow on large cubes)."""
    connect_timeout: float = 10.0
    max_attempts: int = 4
    """Attempts per request, the first included."""
    backoff_initial: float = 1.0
    """First back-off wait in seconds; doubles per attempt."""
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    """Cap on a server's Retry-After, so a bad header cannot stall the ETL for hours."""


def make_client(settings: HttpSettings | None = None) -> httpx.Client:
    """The one httpx.Client factory used for every source."""
    s = settings or HttpSettings()
    return httpx.Client(
        timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=True,
    )


class RateLimiter:
    """At most `calls` requests in any sliding window of `window` seconds."""

    def __init__(
        self,
        calls: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if calls < 1 or window < 0:
            raise ValueError(f"rate limit needs calls >= 1 and window >= 0, got {calls} per {window} s")
        self.calls = calls
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more request fits in the window, then count it."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            if len(self._sent) >= self.calls:
                wait = self._sent[0] + self.window - now
                if wait > 0:
                    self._sleep(wait)
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
            self._sent.append(now)


@dataclass(frozen=True)
class JsonResponse:
    """A decoded JSON answer and where/when it was fetched."""

    data: Any
    url: str
    """The exact request URL, query string included."""
    retrieved_at: str
    """ISO 8601 UTC time the successful attempt was sent, e.g. 2026-11-23T10:58:00Z."""


class _Retryable(Exception):
    """Internal: a failure worth another attempt (429, 5xx, timeout, connection error)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(reason)


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def describe_response(resp: httpx.Response) -> str:
    """'HTTP 400 Bad Request: <problem title/detail>; body: <excerpt>' for error messages."""
    text = " ".join(resp.text.split())
    out = f"HTTP {resp.status_code} {resp.reason_phrase}".rstrip()
    try:
        body = json.loads(resp.content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        # PxWebApi 2.0 answers errors as RFC 7807 problem+json: title says what was wrong
        parts = [str(body[k]) for k in ("title", "detail") if body.get(k)]
        if parts:
            out += ": " + " – ".join(parts)
    if text:
        excerpt = text[:BODY_EXCERPT] + ("…" if len(text) > BODY_EXCERPT else "")
        out += f"; body: {excerpt}"
    return out


def decode_json(content: bytes, url: str, what: str = "response") -> Any:
    """Parse a JSON body, tolerating a UTF-8 BOM (SCB v1 sends one); bad JSON is a SourceError."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{what} is not UTF-8 (byte {exc.start})", url) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        head = text[:80].replace("\n", " ")
        raise SourceError(
            f"{what} is not valid JSON, probably truncated: {exc.msg} at char {exc.pos} of {len(text)}"
            f" (starts {head!r})",
            url,
        ) from None


class HttpClient:
    """GET/POST JSON with rate limiting and retries; one instance per source host."""

    def __init__(
        self,
        *,
        settings: HttpSettings | None = None,
        limiter: RateLimiter | None = None,
        on_request: Callable[[str], None] | None = None,
        client: httpx.Client | None = None,
    ):
        self.settings = settings or HttpSettings()
        self.limiter = limiter
        self.on_request = on_request
        self._own_client = client is None
        self._client = client or make_client(self.settings)
        self._backoff = wait_exponential(multiplier=self.settings.backoff_initial, max=self.settings.backoff_max)

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, url: str, params: Params = None) -> JsonResponse:
        return self._request_json("GET", url, params=params)

    def post_json(self, url: str, body: Any, params: Params = None) -> JsonResponse:
        return self._request_json("POST", url, params=params, body=body)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.retry_after_max)
        return float(self._backoff(state))

    def _request_json(self, method: str, url: str, *, params: Params = None, body: Any = None) -> JsonResponse:
        request = self._client.build_request(method, url, params=params, json=body)
        full_url = str(request.url)
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=lambda s: log.warning(
                "%s %s: %s; retrying", method, full_url, s.outcome.exception() if s.outcome else "?"
            ),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    resp, sent_at = self._send_once(request)
        except _Retryable as exc:
            raise SourceError(
                f"{method} failed after {self.settings.max_attempts} attempts: {exc.reason}", full_url
            ) from None
        data = decode_json(resp.content, full_url, what=f"{method} response")
        if self.on_request:
            self.on_request(full_url)
        return JsonResponse(data=data, url=full_url, retrieved_at=sent_at)

    def _send_once(self, request: httpx.Request) -> tuple[httpx.Response, str]:
        if self.limiter:
            self.limiter.acquire()
        sent_at = _utc_now()
        try:
            resp = self._client.send(request)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out ({type(exc).__name__}, timeout {self.settings.timeout} s)") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection error: {type(exc).__name__}: {exc}") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise _Retryable(describe_response(resp), parse_retry_after(resp.headers.get("Retry-After")))
        if resp.status_code >= 400:
            raise SourceError(f"{request.method} failed: {describe_response(resp)}", str(request.url))
        return resp, sent_at
