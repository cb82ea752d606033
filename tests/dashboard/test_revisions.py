"""A value changed by a later load is shown as revised, with its previous value, on /data."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import build_db


def test_revised_value_is_marked_with_its_previous_value(data_copy: Path, tmp_path: Path, app) -> None:
    from dashboard import dataset, db
    from dashboard.pages import _common  # noqa: F401 - the page package is importable without a browser

    live = build_db(data_copy, tmp_path / "rev.duckdb")
    seed = data_copy / "seed" / "population.csv"
    text = seed.read_text(encoding="utf-8")
    head, _, rest = text.partition("\npopulation,1281,2020,")
    value, _, tail = rest.partition(",")
    seed.write_text(f"{head}\npopulation,1281,2020,{int(value) + 100},{tail}", encoding="utf-8")
    build_db(data_copy, live)

    original = db.get()
    try:
        db.configure(live)
        cat = dataset.catalogue()
        sel = dataset.select({"indicator": "population", "region": "1281", "from": "2019", "to": "2021"}, cat,
                             strict=True)
        from dashboard import queries

        previous = queries.revised_keys(["population"])
        revised = {(r.indicator_id, r.region_code, int(r.period)): r.previous_value for r in previous.itertuples()}
        rows = dataset.grid_rows(dataset.observations(sel, cat), cat, "sv", revised)
    finally:
        db.configure(original.path)
    by_year = {r["period"]: r for r in rows}
    assert by_year[2020]["value"] == int(value) + 100
    assert "reviderad, tidigare" in by_year[2020]["status"]
    assert "reviderad" not in by_year[2019]["status"] and "reviderad" not in by_year[2021]["status"]
