"""The MalmöLundregionen follow-up dashboard: a Plotly Dash app that only reads the DuckDB file."""
