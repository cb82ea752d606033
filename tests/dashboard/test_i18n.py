"""The two string catalogues match, and numbers are formatted per language."""

from __future__ import annotations

import numpy as np

from dashboard.i18n import EN, SV, fmt_number, t


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    assert set(SV) == set(EN)
    import string

    for key in SV:
        fields_sv = {f for _, f, _, _ in string.Formatter().parse(SV[key]) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(EN[key]) if f}
        assert fields_sv == fields_en, key


def test_numbers_swedish_and_english() -> None:
    assert fmt_number(1234.5, 1, "sv") == "1\u00a0234,5"
    assert fmt_number(1234.5, 1, "en") == "1,234.5"
    assert fmt_number(-0.25, 2, "sv") in ("-0,25", "\u22120,25")
    assert fmt_number(float("nan"), 1) == "–" and fmt_number(None) == "–"
    assert fmt_number(np.float64("nan"), 1, "en") == "–"  # numpy's NaN is missing too
    assert fmt_number(0.0, 1, "sv") == "0,0" and fmt_number(0, 0, "en") == "0"  # a zero is a value, not missing
    assert fmt_number(1234567.0, 0, "sv") == "1\u00a0234\u00a0567" and fmt_number(1.0, 2, "en") == "1.00"


def test_unknown_language_falls_back_to_swedish() -> None:
    assert t("nav.home", "xx") == SV["nav.home"]
