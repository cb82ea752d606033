"""A minimal one-graph Dash page: the browser first-render baseline for ``benchmarks/national.py``.

One ``dcc.Graph`` with 15 series x 30 years of generated numbers (the size of the compare chart
for the 12 members and three benchmarks), no callbacks, no database. Served under gunicorn as
``benchmarks.minimal_app:server``.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from dash import Dash, dcc, html

YEARS = list(range(1995, 2025))
figure = go.Figure(
    [
        go.Scatter(x=YEARS, y=[100 + 10 * i + 5 * math.sin((y - 1995) / 3 + i) for y in YEARS],
                   mode="lines+markers", name=f"Genererad serie {i + 1:02d}")
        for i in range(15)
    ]
)
figure.update_layout(title="GENERERADE värden – endast prestandamätning", height=460)

app = Dash(__name__, serve_locally=True, title="Minimal Dash page (benchmark)")
app.layout = html.Main([html.H1("Minimal Dash page"), dcc.Graph(id="graph", figure=figure)])
server = app.server
