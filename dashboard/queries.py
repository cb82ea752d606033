"""Every SQL statement the dashboard runs. Named functions return tidy DataFrames.

Values from users arrive only as bound parameters ($name); identifiers are never built from
input. Callers validate ids against the catalogue (``indicators()``, ``regions()``) first.
"""

from __future__ import annotations

import pandas as pd

from dashboard import db


def _catalogue(sql: str) -> pd.DataFrame:
    """Catalogue queries: answered once per database file (see db.Database.query_once)."""
    return db.get().query_once(sql)


def cached(key: str, build):  # noqa: ANN001, ANN201 - any object derived from catalogue queries
    """``build()`` once per database file (derived catalogue objects; treat them as read-only)."""
    return db.get().cached(key, build)


def _q(sql: str, **params: object) -> pd.DataFrame:
    return db.get().query(sql, params)


def indicators() -> pd.DataFrame:
    """id, name_sv, name_en, unit, unit_en, decimals, definition, definition_en, source, source_table,
    higher_is_better, per_capita, aggregation, focus_area_id, first, last, n_values, retrieved_at."""
    return _catalogue(
        """
        SELECT i.*, c.first, c.last, c.n_values, c.n_regions, c.retrieved_at
        FROM indicator i
        LEFT JOIN (
            SELECT indicator_id, min(period) AS first, max(period) AS last, count(value) AS n_values,
                   count(DISTINCT region_code) AS n_regions, max(retrieved_at) AS retrieved_at
            FROM observation WHERE value IS NOT NULL GROUP BY indicator_id
        ) c ON c.indicator_id = i.id
        LEFT JOIN focus_area f ON f.id = i.focus_area_id
        ORDER BY coalesce(f.sort_order, 99), i.id
        """
    )


def regions() -> pd.DataFrame:
    """code, name_sv, name_en, kind (municipality|cooperation|county|country), sort_order, county_code,
    mlr_member."""
    return _catalogue(
        "SELECT code, name_sv, name_en, kind, sort_order, county_code, mlr_member FROM region ORDER BY sort_order, name_sv"
    )


def memberships() -> pd.DataFrame:
    """group_code, region_code, valid_from, valid_to."""
    return _catalogue("SELECT group_code, region_code, valid_from, valid_to FROM region_member ORDER BY group_code, region_code")


def focus_areas() -> pd.DataFrame:
    """One row per focus area of every plan, current plan first, in the plan's order."""
    frame = _catalogue(
        """
        SELECT f.*, p.name_sv AS plan_name_sv, p.name_en AS plan_name_en, p.is_current
        FROM focus_area f JOIN plan p ON p.id = f.plan_id
        ORDER BY p.is_current DESC, f.sort_order
        """
    )
    frame["responsible"] = frame["responsible"].map(lambda codes: [] if codes is None else list(codes))
    return frame


def focus_area_indicators() -> pd.DataFrame:
    """focus_area_id, indicator_id, headline, sort_order."""
    return _catalogue("SELECT * FROM focus_area_indicator ORDER BY focus_area_id, sort_order")


def series(indicator_ids: list[str], region_codes: list[str], first: int, last: int) -> pd.DataFrame:
    """indicator_id, region_code, period, value, status, source, source_url, retrieved_at, note."""
    return _q(
        """
        SELECT * FROM series
        WHERE list_contains($indicators, indicator_id) AND list_contains($regions, region_code)
          AND period BETWEEN $first AND $last
        ORDER BY indicator_id, region_code, period
        """,
        indicators=list(indicator_ids),
        regions=list(region_codes),
        first=int(first),
        last=int(last),
    )


def revised_keys(indicator_ids: list[str]) -> pd.DataFrame:
    """indicator_id, region_code, period, previous_value, superseded_at: values changed by a later load."""
    return _q(
        """
        SELECT indicator_id, region_code, period, arg_max(value, superseded_at) AS previous_value,
               max(superseded_at) AS superseded_at
        FROM observation_history WHERE list_contains($indicators, indicator_id)
        GROUP BY ALL
        """,
        indicators=list(indicator_ids),
    )


def activities() -> pd.DataFrame:
    """Activities with the indicators they are marked on (indicator_ids as a list)."""
    return _catalogue(
        """
        SELECT a.*, list(ai.indicator_id ORDER BY ai.indicator_id) FILTER (WHERE ai.indicator_id IS NOT NULL)
               AS indicator_ids
        FROM activity a LEFT JOIN activity_indicator ai ON ai.activity_id = a.id
        GROUP BY ALL ORDER BY a.year, a.date NULLS LAST, a.id
        """
    )


def follow_up() -> pd.DataFrame:
    """focus_area_id, year, result_sv, result_en, source."""
    return _catalogue("SELECT * FROM follow_up ORDER BY focus_area_id, year")


def targets() -> pd.DataFrame:
    """The target table as loaded from data/catalog/targets.yaml."""
    return _catalogue("SELECT * FROM target ORDER BY focus_area_id, indicator_id, scope")


def latest_load() -> pd.DataFrame:
    """The most recent load_log row (load_id, source, started, finished, rows, outcome)."""
    return _q("SELECT * FROM load_log ORDER BY finished DESC LIMIT 1")


def health() -> int:
    """Number of observations; raises if the database cannot be read."""
    return int(_q("SELECT count(*) AS n FROM observation")["n"].iloc[0])


# [board] queries for the overview, focus pages and status


# [compare] queries for /jamfor


# [data] queries for /data, /om and the API


def observation_coverage() -> pd.DataFrame:
    """indicator_id, region_code, period of every sourced observation with a value (no MLR totals)."""
    return _q("SELECT indicator_id, region_code, period FROM observation WHERE value IS NOT NULL")
