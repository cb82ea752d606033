"""Presentation mode (``?presentation=1``): which URL it is on and where Previous/Next lead.

Pure functions over paths and query strings; no Dash. The order is the overview, then the
active focus areas of the current plan in the plan's order. Every other query parameter (``lang``
and anything else) is carried along, so stepping keeps the same data and language.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence

PARAM = "presentation"


def is_on(query: str | Mapping[str, object] | None) -> bool:
    """True for ``?presentation=1`` (a query string or the page's query mapping)."""
    if query is None:
        return False
    if isinstance(query, str):
        values = urllib.parse.parse_qs(query.lstrip("?")).get(PARAM, [])
        return bool(values) and values[-1] == "1"
    return str(query.get(PARAM, "")) == "1"


def applies(path: str | None) -> bool:
    """Presentation mode exists on the overview and the focus pages only."""
    return path in ("/", "", None) or str(path).startswith("/fokus/")


def sequence(focus_ids: Sequence[str]) -> list[str]:
    """The paths presentation mode steps through."""
    return ["/"] + [f"/fokus/{fid}" for fid in focus_ids]


def neighbours(path: str, focus_ids: Sequence[str]) -> tuple[str | None, str | None]:
    """(previous path, next path) around ``path``; None at either end or for a path not in the sequence."""
    paths = sequence(focus_ids)
    if path not in paths:
        return None, paths[1] if len(paths) > 1 else None
    i = paths.index(path)
    return (paths[i - 1] if i > 0 else None), (paths[i + 1] if i + 1 < len(paths) else None)


def href(path: str, query: Mapping[str, object], *, presentation: bool = True) -> str:
    """``path`` with ``query`` (order kept), presentation mode switched on or off."""
    params = [(k, str(v)) for k, v in query.items() if k != PARAM and v is not None]
    if presentation:
        params.append((PARAM, "1"))
    encoded = urllib.parse.urlencode(params)
    return path + (f"?{encoded}" if encoded else "")
