"""Fetch indicator observations from the official APIs (SCB PxWebApi 2.0/v1, Kolada v3).

Usage::

    from etl.sources import fetch, load_source_specs, SourceError
    specs = load_source_specs("data/catalog/sources.yaml")
    df = fetch(specs, base_urls=None, regions=["1280", "1281", "12", "00"])

``fetch`` returns one row per indicator, region and year with exactly :data:`COLUMNS`, or raises
:class:`SourceError` if any request fails (never a partial result).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from tqdm import tqdm

from etl.observations import COLUMNS as OBSERVATION_COLUMNS
from etl.sources.http import HttpClient, HttpSettings, RateLimiter, SourceError, make_client
from etl.sources.kolada import KoladaClient
from etl.sources.scb import V1_CALLS, V1_WINDOW, V2_CALLS, V2_WINDOW, ScbClient, read_v2_config
from etl.sources.spec import KoladaSpec, ScbSpec, SourceSpec, load_source_specs

__all__ = [
    "COLUMNS",
    "DEFAULT_BASE_URLS",
    "FetchSettings",
    "HttpSettings",
    "KoladaSpec",
    "ScbSpec",
    "SourceError",
    "SourceSpec",
    "fetch",
    "load_source_specs",
]

# The observation layout of every data file; a fetch returns exactly these columns.
COLUMNS = OBSERVATION_COLUMNS

DEFAULT_BASE_URLS = {
    "scb_v2": "https://statistikdatabasen.scb.se/api/v2",
    "scb_v1": "https://api.scb.se/OV0104/v1/doris/sv/ssd",
    "kolada": "https://api.kolada.se/v3",
}
_ALIASES = {"scb": "scb_v2"}  # `etl fetch --source scb --base-url URL` means the v2 API


@dataclass(frozen=True)
class FetchSettings:
    """Limits and timeouts; None means 'from SCB's /config, else the documented default'."""

    http: HttpSettings = field(default_factory=HttpSettings)
    scb_calls: int | None = None
    """SCB requests per window (v2 /config said 30 per 10 s in 2025; v1 default 10 per 10 s)."""
    scb_window: float | None = None
    scb_max_cells: int | None = None
    """Cells per data request (v2 /config: 150 000; v1 default 100 000)."""
    scb_read_config: bool = True
    """GET {v2 base}/config once to learn SCB's limits."""
    scb_lang: str = "sv"
    kolada_calls: int = 5
    kolada_window: float = 1.0
    kolada_batch: int = 25
    kolada_per_page: int | None = None
    """Sent as per_page when set (documented for v2, max 5000); v3 default page size otherwise."""


def _base_urls(overrides: Mapping[str, str] | None) -> dict[str, str]:
    urls = dict(DEFAULT_BASE_URLS)
    for key, url in (overrides or {}).items():
        name = _ALIASES.get(key, key)
        if name not in urls:
            raise ValueError(f"unknown base URL key {key!r}; use one of {sorted(urls) + sorted(_ALIASES)}")
        urls[name] = url.rstrip("/")
    return urls


def _empty() -> pd.DataFrame:
    return _frame([])


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["period"] = df["period"].astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="raise").astype("float64")
    for col in ("indicator_id", "region_code", "status", "source", "source_url", "retrieved_at", "note"):
        df[col] = df[col].astype(object)
    return df.sort_values(["indicator_id", "region_code", "period"], kind="stable").reset_index(drop=True)


def fetch(
    specs: Mapping[str, SourceSpec],
    *,
    base_urls: Mapping[str, str] | None = None,
    regions: list[str],
    indicators: list[str] | None = None,
    progress: bool = True,
    sources: Collection[str] | None = None,
    settings: FetchSettings | None = None,
) -> pd.DataFrame:
    """Fetch every enabled spec (optionally only some indicators/sources) for the given regions.

    Args:
        specs: {spec id: spec} as returned by load_source_specs().
        base_urls: overrides for keys ``scb_v2`` (alias ``scb``), ``scb_v1``, ``kolada``.
        regions: our region codes: 4-digit kommun, ``12`` Skåne, ``00`` riket.
        indicators: only specs filling these indicator ids (None = all).
        progress: show a tqdm bar, one step per HTTP request.
        sources: only specs of these sources (``scb``, ``kolada``); None = all.
        settings: limits/timeouts (tests shrink them).

    Returns:
        DataFrame with exactly COLUMNS: indicator_id, region_code, period (int), value (float, NaN
        when missing), status (final|preliminary|missing), source, source_url, retrieved_at (ISO UTC),
        note (text or None). Sorted by indicator_id, region_code, period.

    Raises:
        SourceError: a request failed (after retries) or an answer was unusable; names spec and URL.
        ValueError: bad arguments (unknown indicator/source/base URL key, malformed region code).
    """
    settings = settings or FetchSettings()
    urls = _base_urls(base_urls)
    regions = list(dict.fromkeys(regions))
    bad = [r for r in regions if not re.fullmatch(r"\d{2}|\d{4}", r)]
    if bad:
        raise ValueError(f"region codes must be 4-digit kommun or 2-digit län/riket codes, got {bad}")
    if indicators is not None:
        known = {s.indicator for s in specs.values()}
        unknown = sorted(set(indicators) - known)
        if unknown:
            raise ValueError(f"no source mapping for indicator(s) {unknown}; known: {sorted(known)}")
    if sources is not None and not set(sources) <= {"scb", "kolada"}:
        raise ValueError(f"sources must be 'scb' and/or 'kolada', got {sorted(sources)}")
    chosen = {
        key: s
        for key, s in specs.items()
        if s.enabled and (indicators is None or s.indicator in indicators) and (sources is None or s.source in sources)
    }
    if not chosen or not regions:
        return _empty()

    rows: list[dict[str, Any]] = []
    with ExitStack() as stack:
        bar = stack.enter_context(tqdm(desc="fetch", unit="req", disable=not progress, leave=False))
        client = make_client(settings.http)
        stack.callback(client.close)
        clients: dict[str, Any] = {}

        def http(limiter: RateLimiter) -> HttpClient:
            return HttpClient(
                settings=settings.http, limiter=limiter, on_request=lambda _u: bar.update(1), client=client
            )

        def scb(api: str) -> ScbClient:
            if api not in clients:
                base = urls[f"scb_{api}"]
                calls, window = (V2_CALLS, V2_WINDOW) if api == "v2" else (V1_CALLS, V1_WINDOW)
                max_cells = None
                limiter = RateLimiter(settings.scb_calls or calls, settings.scb_window or window)
                h = http(limiter)
                if api == "v2" and settings.scb_read_config:
                    cfg = read_v2_config(h, base) or {}
                    if isinstance(cfg.get("maxCallsPerTimeWindow"), int) and not settings.scb_calls:
                        limiter.calls = max(1, cfg["maxCallsPerTimeWindow"])
                    if isinstance(cfg.get("timeWindow"), int | float) and settings.scb_window is None:
                        limiter.window = float(cfg["timeWindow"])
                    if isinstance(cfg.get("maxDataCells"), int):
                        max_cells = cfg["maxDataCells"]
                max_cells = settings.scb_max_cells or max_cells
                clients[api] = ScbClient(h, base_url=base, api=api, lang=settings.scb_lang, max_cells=max_cells)
            return clients[api]

        def kolada() -> KoladaClient:
            if "kolada" not in clients:
                h = http(RateLimiter(settings.kolada_calls, settings.kolada_window))
                clients["kolada"] = KoladaClient(
                    h, base_url=urls["kolada"], batch_size=settings.kolada_batch, per_page=settings.kolada_per_page
                )
            return clients["kolada"]

        for key, spec in chosen.items():
            bar.set_postfix_str(key)
            try:
                got = scb(spec.api).fetch(spec, regions) if isinstance(spec, ScbSpec) else kolada().fetch(spec, regions)
            except SourceError as exc:
                raise SourceError(f"{key} ({spec.label}): {exc.message}", exc.url) from None
            for row in got:
                rows.append({"indicator_id": spec.indicator, "source": spec.label, **row})

    df = _frame(rows)
    dup = df.duplicated(["indicator_id", "region_code", "period"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise SourceError(
            f"two sources gave {first.indicator_id} {first.region_code} {first.period}; "
            "check period_from/period_to in sources.yaml"
        )
    return df
