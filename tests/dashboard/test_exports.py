"""dashboard.exports: frame -> bytes, safe against formula injection, numbers kept as numbers."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard import exports

DANGEROUS = ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\nLF",
             '=HYPERLINK("http://evil","x")']


def tiny() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_id": ["x", "x", "x", "x"],
        "region_name": ["Malmö", "=1+1", "-5 % jämfört med i fjol", "Höör"],
        "period": [2015, 2016, 2017, 2018],
        "value": [-3.5, 1234.0, float("nan"), 0.1],
        "note": [None, "@cmd", "+46 40 34 10 00", "vanlig text"],
    })


@pytest.mark.parametrize("text", DANGEROUS)
def test_neutralise_prefixes_every_formula_start(text: str) -> None:
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Malmö", "2015", "", "a=b", " =leading space"])
def test_neutralise_leaves_plain_text(value: str) -> None:
    assert exports.neutralise(value) == value


@pytest.mark.parametrize("value", [-3.5, -1, 0, 7, 2.25])
def test_neutralise_leaves_numbers(value: float) -> None:
    assert exports.neutralise(value) == value


def test_csv_neutralises_text_and_keeps_negative_numbers() -> None:
    body = exports.to_csv(tiny()).decode("utf-8")
    assert not body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["indicator_id", "region_name", "period", "value", "note"]
    assert rows[1] == ["x", "Malmö", "2015", "-3.5", ""]
    assert rows[2] == ["x", "'=1+1", "2016", "1234", "'@cmd"]
    assert rows[3] == ["x", "'-5 % jämfört med i fjol", "2017", "", "'+46 40 34 10 00"]
    assert rows[4][3] == "0.1"
    back = pd.read_csv(io.StringIO(body))
    assert back["value"].iloc[0] == -3.5 and back["value"].iloc[1] == 1234


def test_csv_excel_sv_has_bom_semicolons_and_decimal_commas() -> None:
    raw = exports.to_csv(tiny(), excel_sv=True)
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "indicator_id;region_name;period;value;note"
    assert "x;Malmö;2015;-3,5;" in text
    assert "x;Höör;2018;0,1;vanlig text" in text
    back = pd.read_csv(io.BytesIO(raw), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["value"].tolist()[0] == -3.5 and back["region_name"].iloc[3] == "Höör"


def test_csv_every_dangerous_start_comes_out_neutralised() -> None:
    frame = pd.DataFrame({"text": DANGEROUS, "value": range(len(DANGEROUS))})
    for excel_sv in (False, True):
        raw = exports.to_csv(frame, excel_sv=excel_sv).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter=";" if excel_sv else ","))[1:]
        assert [r[0] for r in rows] == ["'" + d for d in DANGEROUS]


def test_format_number_is_exact_and_never_exponential() -> None:
    assert exports.format_number(1e-7) == "0.0000001"
    assert exports.format_number(0.1 + 0.2) == "0.30000000000000004"
    assert exports.format_number(123456789.0) == "123456789"
    assert exports.format_number(-2.5, ",") == "-2,5"
    assert exports.format_number(float("nan")) == ""


def test_xlsx_types_freeze_widths_and_neutralised_text() -> None:
    raw = exports.to_xlsx(tiny(), [("Fråga (URL)", "http://x/api?a=1"), ("Rader", 4)],
                          [{"indicator_id": "x", "definition": "=evil()", "unit": "st"}],
                          labels={"indicator_id": "Indikator-id"}, column_notes={"value": "Värdet"})
    wb = load_workbook(io.BytesIO(raw))
    data, meta = wb["Data"], wb["Metadata"]
    assert data.freeze_panes == "A2"
    assert [c.value for c in data[1]] == ["indicator_id", "region_name", "period", "value", "note"]
    assert data["D2"].value == -3.5 and data["D2"].data_type == "n"
    assert data["C2"].value == 2015 and isinstance(data["C2"].value, int)
    assert data["D4"].value is None
    assert data["B3"].value == "'=1+1" and data["B3"].data_type == "s"
    assert data["B4"].value == "'-5 % jämfört med i fjol"
    assert data["E3"].value == "'@cmd"
    for row in data.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    widths = {k: v.width for k, v in data.column_dimensions.items()}
    assert widths["B"] >= len("-5 % jämfört med i fjol") and widths["C"] >= len("period")
    values = [c.value for row in meta.iter_rows() for c in row]
    assert "http://x/api?a=1" in values and "'=evil()" in values and "Indikator-id" in values and "Värdet" in values
    assert meta["B2"].value == 4


def test_xlsx_dates_are_dates() -> None:
    frame = pd.DataFrame({"retrieved_at": ["2026-11-23", None], "value": [1.0, 2.0]})
    wb = load_workbook(io.BytesIO(exports.to_xlsx(frame, [], [])))
    cell = wb.active["A2"]
    assert cell.is_date and cell.value.strftime("%Y-%m-%d") == "2026-11-23"
    assert wb.active["A3"].value is None


def test_json_nulls_and_raw_text() -> None:
    body = json.loads(exports.to_json(tiny(), {"query": {}}))
    assert body["count"] == 4 and body["columns"][0] == "indicator_id"
    assert body["data"][2]["value"] is None and body["data"][0]["value"] == -3.5
    assert body["data"][1]["region_name"] == "=1+1"  # JSON is data, not a spreadsheet


def test_content_disposition_is_ascii_and_quoted() -> None:
    assert exports.content_disposition("mlr_housing_starts_2015-2020.csv") == \
        'attachment; filename="mlr_housing_starts_2015-2020.csv"'
    assert exports.content_disposition('a"b\r\nc;ö.csv') == 'attachment; filename="a_b__c__.csv"'
