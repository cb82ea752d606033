"""Kolada v3 client: KPI values per municipality, batched ids, paged answers.

Kolada's ids are SCB's kommun codes, but län and riket are written with leading zeros
(Skåne ``12`` → ``0012``, riket ``00`` → ``0000``); we translate both ways.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from etl.sources.http import HttpClient, SourceError
from etl.sources.spec import KoladaSpec

log = logging.getLogger(__name__)

MAX_IDS_PER_CALL = 25  # v3 rejects longer id lists (rKolada and koladapy both chunk to 25)


def to_kolada_id(code: str) -> str:
    """Our region code → Kolada municipality id: 4-digit kommun unchanged, '12' → '0012', '00' → '0000'."""
    if len(code) == 4 and code.isdigit():
        return code
    if len(code) == 2 and code.isdigit():
        return "00" + code
    raise ValueError(f"region code {code!r} is neither a 4-digit kommun nor a 2-digit län/riket code")


def from_kolada_id(kid: str) -> str:
    """Kolada municipality id → our region code (inverse of to_kolada_id)."""
    if len(kid) == 4 and kid.startswith("00"):
        return kid[2:]  # no kommun code starts with 00, so 00xx is always län xx or riket
    return kid


class KoladaClient:
    """Kolada v3 at one base URL."""

    def __init__(
        self,
        http: HttpClient,
        *,
        base_url: str,
        batch_size: int = MAX_IDS_PER_CALL,
        per_page: int | None = None,
        max_pages: int = 1000,
    ):
        if not 1 <= batch_size <= MAX_IDS_PER_CALL:
            raise ValueError(f"batch_size must be 1..{MAX_IDS_PER_CALL}, got {batch_size}")
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self.per_page = per_page
        self.max_pages = max_pages

    def pages(self, url: str, params: list[tuple[str, str]] | None = None) -> list[tuple[dict[str, Any], str, str]]:
        """Follow next_url (v3) or next_page (v2) until empty; stop if a URL comes back again."""
        out: list[tuple[dict[str, Any], str, str]] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if len(out) >= self.max_pages:
                raise SourceError(f"more than {self.max_pages} pages; stopping", next_url)
            resp = self.http.get_json(next_url, params if not out else None)
            seen.add(resp.url)
            data = resp.data
            if not isinstance(data, dict) or not isinstance(data.get("values"), list):
                keys = sorted(data)[:8] if isinstance(data, dict) else type(data).__name__
                raise SourceError(f"unexpected Kolada answer: no 'values' list (keys: {keys})", resp.url)
            out.append((data, resp.url, resp.retrieved_at))
            link = data.get("next_url") or data.get("next_page")
            next_url = urljoin(resp.url, link) if link else None
            if next_url in seen:
                log.warning("Kolada paging points back to %s; stopping", next_url)
                break
        return out

    def fetch(self, spec: KoladaSpec, regions: list[str]) -> list[dict[str, Any]]:
        """Observations (dicts with the fetch() columns minus indicator/source) for the regions."""
        ids = list(dict.fromkeys(to_kolada_id(r) for r in regions))
        rows: dict[tuple[str, int], dict[str, Any]] = {}
        for i in range(0, len(ids), self.batch_size):
            batch = ids[i : i + self.batch_size]
            url = f"{self.base_url}/data/kpi/{spec.kpi}/municipality/{','.join(batch)}"
            params = [("per_page", str(self.per_page))] if self.per_page else None
            for data, page_url, retrieved in self.pages(url, params):
                for rec in data["values"]:
                    row = _observation(spec, rec, set(batch), page_url, retrieved)
                    if row is not None:
                        rows[(row["region_code"], row["period"])] = row
        return [rows[k] for k in sorted(rows)]


def _observation(spec: KoladaSpec, rec: Any, asked: set[str], url: str, retrieved: str) -> dict[str, Any] | None:
    try:
        kpi, mun, period, values = rec["kpi"], str(rec["municipality"]), rec["period"], rec["values"]
        year = int(period)
    except (KeyError, TypeError, ValueError):
        raise SourceError(f"unexpected Kolada record: {str(rec)[:160]}", url) from None
    if (
        kpi != spec.kpi
        or mun not in asked
        or (spec.period_from and year < spec.period_from)
        or (spec.period_to and year > spec.period_to)
    ):
        return None
    entry = next((v for v in values if isinstance(v, dict) and v.get("gender") == spec.gender), None)
    if entry is None:
        return None
    value, status_text = entry.get("value"), str(entry.get("status") or "").strip()
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise SourceError(f"Kolada value {value!r} for {mun} {year} is not a number", url)
    if value is None:
        status, note = "missing", f"Kolada status: {status_text}" if status_text else "Kolada value null"
    else:
        status, note = "final", f"Kolada status: {status_text}" if status_text else None
        value = float(value) * spec.multiplier
    return {
        "region_code": from_kolada_id(mun),
        "period": year,
        "value": value,
        "status": status,
        "source_url": url,
        "retrieved_at": retrieved,
        "note": note,
    }
