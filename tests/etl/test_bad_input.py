"""Every kind of bad input named in the backbone issue: non-zero exit, a message naming the file
and line or field, and the live database byte-for-byte as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import cli

HEADER = "indicator_id,region_code,period,value,status,source,source_url,retrieved_at,note\n"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _append(name: str, text: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        with open(data / "seed" / name, "a", encoding="utf-8") as fh:
            fh.write(text)

    return edit


def _write(name: str, content: bytes) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        (data / "seed" / name).write_bytes(content)

    return edit


def _replace(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        path = data / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"test set-up: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


ROW = "population,1280,2030,100,final,SCB,https://example.invalid,2024-01-01,\n"

CASES = {
    "unknown municipality": (_append("population.csv", ROW.replace("1280", "9999")), ["population.csv", "region_code", "9999"]),
    "not a number": (_append("population.csv", ROW.replace(",100,", ",12x,")), ["population.csv", "value", "12x"]),
    "duplicate key": (_append("population.csv", ROW + ROW), ["population.csv", "duplicate key", "population, 1280, 2030"]),
    "missing column": (_write("extra.csv", b"indicator_id,region_code,period,source,retrieved_at\n"), ["extra.csv", "value"]),
    "unknown indicator": (_append("population.csv", ROW.replace("population", "populaton")), ["indicator_id", "populaton"]),
    "catalogue typo": (_replace("catalog/indicators.yaml", "    per_capita: false\n", "    per_capta: false\n"),
                       ["indicators.yaml", "per_capta", "unknown field", "line"]),
    "empty file": (_write("empty.csv", b""), ["empty.csv", "empty"]),
    "latin-1": (_write("latin.csv", (HEADER + "population,1280,2030,1,final,Malmö stad,,2024-01-01,åäö\n").encode("latin-1")),
                ["latin.csv", "UTF-8", "line 2"]),
    "negative population": (_append("population.csv", ROW.replace(",100,", ",-5,")), ["population.csv", "value", "negative"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_rejected_and_database_untouched(case: str, data_copy: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "live.duckdb"
    ok = runner.invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    before = _digest(db)
    edit, expected = CASES[case]
    edit(data_copy)
    for command in (["check", "--data", str(data_copy)], ["build", "--data", str(data_copy), "--db", str(db)]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 1, result.output
        message = result.output
        for part in expected:
            assert part in message, f"{part!r} not in:\n{message}"
        assert "Traceback" not in message
    assert _digest(db) == before
    assert not list(tmp_path.glob(".live.duckdb.tmp-*"))


def test_missing_marker_becomes_null_with_status(data_copy: Path, tmp_path: Path) -> None:
    import duckdb

    _append("population.csv", ROW.replace(",100,", ",..,"))(data_copy)
    db = tmp_path / "m.duckdb"
    result = CliRunner().invoke(cli, ["build", "--data", str(data_copy), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        value, status, note = con.execute(
            "SELECT value, status, note FROM observation WHERE region_code='1280' AND period=2030"
        ).fetchone()
    assert value is None and status == "missing" and "'..'" in note
