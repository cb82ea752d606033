"""sources.yaml: the shipped file loads, and bad input names the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.sources import KoladaSpec, ScbSpec, load_source_specs

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "catalog" / "sources.yaml"

GOOD = """\
version: 1
sources:
  pop:
    indicator: population
    source: scb
    api: v2
    table: TAB638
    label: "SCB TAB638 Folkmängd"
    selections:
      ContentsCode: BE0101N1
      Hustyp: {codes: [FLERBO, SMÅHUS], sum: true}
    eliminate: [Kon]
  unemp:
    indicator: unemployment_rate
    source: kolada
    kpi: N03937
    label: "Kolada N03937"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_sources_yaml_loads() -> None:
    specs = load_source_specs(SHIPPED)
    enabled = {s.indicator for s in specs.values() if s.enabled}
    assert {
        "population",
        "housing_starts",
        "housing_completions",
        "employment_rate",
        "unemployment_rate",
        "newly_arrived_work_or_study",
    } <= enabled
    assert specs["unemployment_rate_kolada"].kpi == "N03937"  # type: ignore[union-attr]
    assert specs["newly_arrived_work_or_study_kolada"].kpi == "N00973"  # type: ignore[union-attr]
    assert specs["employment_rate_kolada"].kpi == "N02267"  # type: ignore[union-attr]


def test_good_file_and_shorthands(tmp_path: Path) -> None:
    specs = load_source_specs(write(tmp_path, GOOD))
    pop, unemp = specs["pop"], specs["unemp"]
    assert isinstance(pop, ScbSpec) and isinstance(unemp, KoladaSpec)
    assert pop.selections["ContentsCode"].codes == ["BE0101N1"] and not pop.selections["ContentsCode"].sum
    assert pop.selections["Hustyp"].sum and pop.region_variable == "Region" and pop.time_variable == "Tid"
    assert ".." in pop.status.missing_markers and pop.status.zero_markers == []
    assert unemp.gender == "T"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (("table: TAB638", "table: TAB 638"), "sources.pop", "v2 table ids look like TAB638"),
        (("kpi: N03937", "kpi: X3937"), "sources.unemp.kpi", "should match pattern"),
        (
            ("      ContentsCode: BE0101N1", "      ContentsCode: [BE0101N1, BE0101N2]"),
            "sources.pop.selections.ContentsCode",
            "add `sum: true`",
        ),
        (("    eliminate: [Kon]", "    eliminate: [Kon]\n    colour: red"), "sources.pop.colour", "Extra inputs"),
        (("source: kolada", "source: koladaa"), "sources.unemp", "does not match any of the expected tags"),
        (('label: "Kolada N03937"', 'label: "Kolada"'), "sources.unemp", "label must name the KPI"),
    ],
)
def test_bad_field_names_file_line_and_field(tmp_path: Path, change: tuple[str, str], field: str, message: str) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ValueError) as err:
        load_source_specs(path)
    text = str(err.value)
    assert f"{path}, line " in text and f"field '{field}'" in text and message in text


def test_overlapping_enabled_sources_are_rejected(tmp_path: Path) -> None:
    extra = (
        '  unemp2:\n    indicator: unemployment_rate\n    source: kolada\n    kpi: N03920\n    label: "Kolada N03920"\n'
    )
    path = write(tmp_path, GOOD + extra)
    with pytest.raises(ValueError, match="unemp and sources.unemp2 both fill indicator 'unemployment_rate'"):
        load_source_specs(path)
    load_source_specs(write(tmp_path, GOOD + extra + "    enabled: false\n"))
    stitched = GOOD.replace('    label: "Kolada N03937"', '    label: "Kolada N03937"\n    period_to: 2024')
    load_source_specs(write(tmp_path, stitched + extra + "    period_from: 2025\n"))
    with pytest.raises(ValueError, match="overlapping periods"):
        load_source_specs(write(tmp_path, stitched + extra + "    period_from: 2024\n"))


def test_unreadable_or_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope.yaml: cannot read"):
        load_source_specs(tmp_path / "nope.yaml")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_source_specs(write(tmp_path, "version: 1\nsources: [\n"))
    with pytest.raises(ValueError, match="duplicate key 'pop'"):
        load_source_specs(write(tmp_path, GOOD + GOOD.split("sources:\n", 1)[1]))
