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


def _colours(fig) -> set[str]:
    out = set()
    for tr in fig.data:
        for part in (getattr(tr, "line", None), getattr(tr, "marker", None)):
            colour = getattr(part, "color", None) if part is not None else None
            if isinstance(colour, str):
                out.add(colour)
            elif colour is not None and not isinstance(colour, str):
                out |= {c for c in colour if isinstance(c, str)}
    return out


def test_colours_the_charts_draw_have_3_to_1_against_white() -> None:
    """Every colour the product's figure builders actually put on lines, markers and bars (not a list the
    test keeps): the line and ranking charts, with and without a highlighted municipality."""
    import pandas as pd

    from dashboard import compare

    assert round(contrast("#000000"), 1) == 21.0 and round(contrast("#767676"), 1) == 4.5  # the yardstick
    codes = [f"12{i:02d}" for i in range(14)] + ["MLR", "12", "00"]
    frame = pd.DataFrame({"region_code": [c for c in codes for _ in (2020, 2021)], "period": [2020, 2021] * len(codes),
                          "value": [float(i) for i in range(2 * len(codes))], "status": "final"})
    names = {c: c for c in codes}
    figs = [figures.line_figure(frame, names, "st")]
    for focus in (None, "1203"):
        figs.append(compare.line_figure(frame, names, focus=focus, unit="st", decimals=0, lang="sv"))
        year = frame[frame["period"] == 2021]
        figs.append(compare.ranking_figure(year, names, focus=focus, unit="st", decimals=0, lang="sv",
                                           same_scale=True))
    drawn = set().union(*(_colours(f) for f in figs))
    assert len(drawn) >= 12 + 3  # the palette, the benchmarks, the emphasis and quiet colours
    weak = {c: round(contrast(c), 2) for c in drawn if contrast(c) < 3.0}
    assert weak == {}


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
