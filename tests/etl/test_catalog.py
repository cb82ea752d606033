"""The shipped catalogue validates, and cross-file references are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.catalog import load_catalog
from etl.errors import InputError
from tests.conftest import DATA


def test_shipped_catalogue_is_valid() -> None:
    cat = load_catalog(DATA / "catalog")
    assert len(cat.regions.municipalities) == 290 and len(cat.mlr_member_codes) == 12
    assert sum(m.county == "12" for m in cat.regions.municipalities) == 33
    assert len([g for g in cat.regions.groups if g.kind == "county"]) == 21
    ids = {f.id: f for f in cat.plan.focus_areas}
    assert [f.status for f in ids.values()].count("active") == 3
    assert ids["migration-integration"].closed_year == 2016
    for required in ("population", "housing_starts", "employment_rate", "unemployment_rate",
                     "vocational_applicants", "industry_programme_applicants"):
        assert required in cat.indicator_ids
    mlr = next(g for g in cat.regions.groups if g.code == "MLR")
    assert len([m for m in mlr.members if m.covers(2018)]) == 11
    assert len([m for m in mlr.members if m.covers(2019)]) == 12


def test_unknown_reference_names_file_and_field(data_copy: Path) -> None:
    path = data_copy / "catalog" / "targets.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("indicator_id: housing_starts", "indicator_id: housing", 1),
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalog(data_copy / "catalog")
    text = str(err.value)
    assert "targets.yaml" in text and "indicator_id" in text and "'housing'" in text


def test_invalid_yaml_names_line(data_copy: Path) -> None:
    path = data_copy / "catalog" / "plan.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n  - : [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"plan\.yaml, line \d+"):
        load_catalog(data_copy / "catalog")
