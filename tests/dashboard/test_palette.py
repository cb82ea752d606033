"""Chart colours: lines and bars at least 3:1 against white, text 4.5:1 (WCAG 1.4.11, 1.4.3)."""

from __future__ import annotations

from dashboard import figures


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str = "#ffffff") -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_function_is_right() -> None:
    assert round(contrast("#000000"), 1) == 21.0
    assert round(contrast("#767676"), 1) == 4.5


def test_every_series_colour_has_3_to_1_against_white() -> None:
    colours = figures.PALETTE + [s["color"] for s in figures.BENCHMARK_STYLE.values()]
    weak = {c: round(contrast(c), 2) for c in colours if contrast(c) < 3.0}
    assert weak == {}


def test_chart_text_colour_has_4_5_to_1() -> None:
    fig = figures.base_layout(__import__("plotly.graph_objects").graph_objects.Figure(), "sv", "x")
    assert contrast(fig.layout.font.color) >= 4.5


def test_series_differ_without_colour() -> None:
    styles = [figures.region_style(str(i), i) for i in range(12)]
    assert len({s["marker"]["symbol"] for s in styles}) == 12
    dashes = {figures.BENCHMARK_STYLE[c]["dash"] for c in ("12", "00")} | {"solid"}
    assert len(dashes) == 3
