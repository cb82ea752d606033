"""ETL for the MalmöLundregionen follow-up: data files and official APIs -> one DuckDB file."""
