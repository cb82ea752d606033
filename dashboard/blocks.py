"""Page building blocks that combine figures, tables and downloads from data already queried."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard import components, figures, model
from dashboard.i18n import t


def indicator_block(ind: dict, frame, names: dict[str, str], lang: str) -> html.Section:
    sfx = "en" if lang == "en" else "sv"
    name = ind[f"name_{sfx}"]
    unit = ind["unit_en"] if lang == "en" else ind["unit"]
    shown = {c: n for c, n in names.items() if c in set(frame["region_code"])}
    data = frame[frame["region_code"].isin(shown)]
    if data["value"].notna().sum() == 0:
        return html.Section([html.H3(name, className="h5"), dbc.Alert(t("focus.no_data", lang, name=name),
                                                                      color="secondary")], className="mb-4")
    return components.chart_block(
        block_id=f"ind-{ind['id']}",
        title=f"{name} ({unit})",
        figure=figures.line_figure(data, shown, unit, lang, ind["decimals"]),
        summary=figures.summary_sentence(data, shown, name, ind["decimals"], lang),
        table=components.data_table(data, shown, ind["decimals"], lang, f"{name}, {unit}"),
        download=model.plotted_csv(data, shown, ind),
        filename=f"mlr_{ind['id']}.csv",
        source=model.source_text(data, ind),
        lang=lang,
    )
