"""``python -m etl``: build, check, fetch and import. Bad input exits non-zero, database untouched."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from etl import load, pipeline
from etl.errors import InputError

DEFAULT_DATA = Path("data")


def _default_db() -> Path:
    import os

    return Path(os.environ.get("MLR_DB_PATH", "data/mlr.duckdb"))


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _report_problems(exc: InputError) -> None:
    click.echo(f"Rejected: {len(exc.problems)} problem(s); the database was not changed.", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


def _summary(inputs: pipeline.Inputs) -> None:
    cov = pipeline.coverage(inputs.observations).merge(pipeline.gaps(inputs.observations, inputs.catalog))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        click.echo(cov.to_string(index=False))


data_option = click.option(
    "--data", "data_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA,
    show_default=True, help="Folder with catalog/, seed/ (and fetched/, imports/).",
)
db_option = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Database file to publish [default: $MLR_DB_PATH or data/mlr.duckdb].",
)


@click.group()
def cli() -> None:
    """ETL for the MalmöLundregionen follow-up dashboard."""


@cli.command()
@data_option
def check(data_dir: Path) -> None:
    """Validate the catalogue and data files without writing anything."""
    try:
        inputs = pipeline.collect(data_dir)
    except InputError as exc:
        _report_problems(exc)
    _summary(inputs)
    click.echo(f"OK: {len(inputs.files)} files, {len(inputs.observations)} observations are valid.")


def publish(data_dir: Path, db_path: Path | None, source: str) -> load.BuildResult:
    """Collect and build; shared by build, fetch and import. Exits on bad input or a held lock."""
    db_path = db_path or _default_db()
    try:
        inputs = pipeline.collect(data_dir)
    except InputError as exc:
        _report_problems(exc)
    try:
        result = load.build(db_path, inputs.catalog, inputs.observations, checksum=inputs.checksum, source=source)
    except load.LockedError as exc:
        _fail(f"Refused: {exc}")
    _summary(inputs)
    if inputs.superseded:
        click.echo(f"{inputs.superseded} seed rows superseded by fetched or imported figures.")
    seconds = (result.finished - result.started).total_seconds()
    click.echo(
        f"Published {result.db_path} (load {result.load_id}): {result.rows} observations, "
        f"{result.new_rows} new, {len(result.revised)} revised, in {seconds:.1f} s."
    )
    return result


@cli.command()
@data_option
@db_option
def build(data_dir: Path, db_path: Path | None) -> None:
    """Build the database from data/catalog and the observation files, then publish it atomically."""
    publish(data_dir, db_path, source="build")
