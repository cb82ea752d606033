"""``python -m etl``: build, check, fetch and import. Bad input exits non-zero, database untouched."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd

from etl import load, pipeline
from etl.errors import InputError
from etl.observations import COLUMNS

DEFAULT_DATA = Path("data")


def _default_db() -> Path:
    import os

    return Path(os.environ.get("MLR_DB_PATH", "data/mlr.duckdb"))


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _report_problems(exc: InputError) -> None:
    click.echo(f"Rejected: {exc.total} problem(s); the database was not changed.", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


def _summary(inputs: pipeline.Inputs) -> None:
    cov = pipeline.coverage(inputs.observations).merge(pipeline.gaps(inputs.observations, inputs.catalog))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        click.echo(cov.to_string(index=False))
        check = pipeline.crosscheck_summary(inputs.crosscheck)
        if not check.empty:
            click.echo("Cross-check (cells two sources have; the first source wins, see sources.yaml fill_only):")
            click.echo(check.to_string(index=False))


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
    from etl.sources import load_source_specs

    try:
        inputs = pipeline.collect(data_dir)
    except InputError as exc:
        _report_problems(exc)
    try:
        load_source_specs(data_dir / "catalog" / "sources.yaml")
    except ValueError as exc:
        _fail(f"Rejected: {exc}")
    _summary(inputs)
    click.echo(f"OK: {len(inputs.files)} files, {len(inputs.observations)} observations are valid.")


def publish(data_dir: Path, db_path: Path | None, source: str,
            pending: dict[Path, bytes] | None = None) -> load.BuildResult:
    """Collect and build; shared by build, fetch and import. Exits on bad input or a held lock.

    ``pending`` files (fetched or imported figures) are validated and built first and written
    to ``data_dir`` only once the new database is published.
    """
    db_path = db_path or _default_db()
    pending = pending or {}
    try:
        inputs = pipeline.collect(data_dir, pending)
    except InputError as exc:
        _report_problems(exc)
    try:
        result = load.build(db_path, inputs.catalog, inputs.observations, checksum=inputs.checksum, source=source)
    except load.LockedError as exc:
        _fail(f"Refused: {exc}")
    except InputError as exc:  # e.g. an MLR total that would not be a finite number
        _report_problems(exc)
    for path, content in pending.items():
        write_atomically(path, content)
        click.echo(f"Wrote {path}")
    _summary(inputs)
    if inputs.superseded:
        click.echo(f"{inputs.superseded} rows superseded by a later layer or another source (see data/README.md).")
    seconds = (result.finished - result.started).total_seconds()
    click.echo(
        f"Published {result.db_path} (load {result.load_id}): {result.rows} observations, "
        f"{len(result.new_keys)} new, {len(result.revised)} revised, in {seconds:.1f} s."
    )
    return result


def write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)


def print_changes(revised: pd.DataFrame, new_keys: pd.DataFrame) -> None:
    """What a fetch or import changed: new periods per indicator and region, and revised values."""
    if not new_keys.empty:
        click.echo("New values:")
        for (ind, region), group in new_keys.groupby(["indicator_id", "region_code"]):
            years = sorted(int(p) for p in group["period"])
            click.echo(f"  {ind} {region}: {', '.join(map(str, years))}")
    if not revised.empty:
        click.echo("Revised values (old -> new):")
        def show(value: float) -> str:
            return "missing" if pd.isna(value) else f"{value:g}"

        for row in revised.itertuples():
            click.echo(f"  {row.indicator_id} {row.region_code} {row.period}: {show(row.old_value)} -> {show(row.new_value)}")
    if new_keys.empty and revised.empty:
        click.echo("No new or revised values.")


@cli.command()
@data_option
@db_option
def build(data_dir: Path, db_path: Path | None) -> None:
    """Build the database from data/catalog and the observation files, then publish it atomically."""
    publish(data_dir, db_path, source="build")


def _base_urls(values: tuple[str, ...], sources: list[str]) -> dict[str, str]:
    """``--base-url URL`` (every API of the chosen sources) or ``--base-url KEY=URL``."""
    keys = {"scb": ["scb_v2", "scb_v1"], "kolada": ["kolada"]}
    urls: dict[str, str] = {}
    for value in values:
        key, sep, url = value.partition("=")
        if sep and key in {"scb", "scb_v2", "scb_v1", "kolada"}:
            urls[key] = url
        else:
            for source in sources:
                for k in keys[source]:
                    urls[k] = value
    return urls


def _as_csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    # Plain decimals, all digits: ``:g`` kept six (Skåne's 1 421 781 became 1.42178e+06), and the
    # observation layout takes no exponent.
    out["value"] = out["value"].map(lambda v: "" if pd.isna(v) else np.format_float_positional(float(v), trim="-"))
    return out[COLUMNS].to_csv(index=False, lineterminator="\n").encode("utf-8")


@cli.command()
@click.option("--source", "source", type=click.Choice(["scb", "kolada", "all"]), required=True,
              help="Which official API to fetch from.")
@click.option("--indicator", "indicators", multiple=True, help="Only this indicator id (repeatable).")
@click.option("--base-url", "base_urls", multiple=True,
              help="API address to use instead of the official one: URL, or KEY=URL with KEY scb_v2, scb_v1 or kolada.")
@click.option("--regions", "scope", type=click.Choice(["members", "all"]), default="members", show_default=True,
              help="members: MLR's members, Skåne and Sweden; all: every municipality and county of Sweden.")
@click.option("--dry-run", is_flag=True, help="Fetch and show what would change; write nothing.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for cron logs).")
@data_option
@db_option
def fetch(source: str, indicators: tuple[str, ...], base_urls: tuple[str, ...], scope: str, dry_run: bool,
          no_progress: bool, data_dir: Path, db_path: Path | None) -> None:
    """Refresh indicators from SCB and/or Kolada, then publish a new database atomically.

    The fetched figures are kept in data/fetched/<source>.csv (they supersede the seed for the
    same indicator, region and year). A failed request publishes nothing.
    """
    from etl.catalog import load_catalog
    from etl.sources import SourceError, load_source_specs
    from etl.sources import fetch as fetch_sources

    sources = ["scb", "kolada"] if source == "all" else [source]
    try:
        catalog = load_catalog(data_dir / "catalog")
        specs = load_source_specs(data_dir / "catalog" / "sources.yaml")
    except InputError as exc:
        _report_problems(exc)
    except ValueError as exc:
        _fail(f"Rejected: {exc}")
    try:
        regions = catalog.region_codes if scope == "all" else catalog.mlr_member_codes | {"12", "00"}
        frame = fetch_sources(specs, base_urls=_base_urls(base_urls, sources), regions=sorted(regions),
                              indicators=list(indicators) or None, progress=not no_progress, sources=sources)
    except (SourceError, ValueError) as exc:
        _fail(f"Fetch failed; nothing was published.\n  {exc}")
    frame = frame[frame["region_code"].isin(catalog.region_codes)]
    # Each row's source label names its mapping, and so the API it came from (one indicator may have
    # mappings in both, e.g. population: SCB, with Kolada's N01951 filling the other cells).
    owner = {spec.label: spec.source for spec in specs.values() if spec.enabled}
    pending: dict[Path, bytes] = {}
    for src in sources:
        rows = frame[frame["source"].map(owner) == src]
        target = data_dir / "fetched" / f"{src}.csv"
        if target.exists() and indicators:
            # Keep what an earlier fetch of this source brought for the indicators not asked for now.
            kept = pd.read_csv(target, dtype=str, keep_default_na=False)
            kept = kept[~kept["indicator_id"].isin(indicators)]
            kept["value"] = pd.to_numeric(kept["value"].replace("", None))
            kept["period"] = kept["period"].astype(int)
            rows = pd.concat([kept, rows], ignore_index=True)
        if not rows.empty:
            pending[target] = _as_csv(rows.sort_values(["indicator_id", "region_code", "period"]))
    click.echo(f"Fetched {len(frame)} values for {frame['indicator_id'].nunique()} indicators.")
    db = db_path or _default_db()
    if dry_run:
        try:
            inputs = pipeline.collect(data_dir, pending)
        except InputError as exc:
            _report_problems(exc)
        revised, new_keys = load.compare(db, inputs.observations)
        print_changes(revised, new_keys)
        click.echo("Dry run: nothing written.")
        return
    result = publish(data_dir, db, source=f"fetch {source}", pending=pending)
    print_changes(result.revised, result.new_keys)


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_option
@db_option
def import_file(file: Path, data_dir: Path, db_path: Path | None) -> None:
    """Add local figures from a spreadsheet made from the template (.xlsx or .csv).

    Kept as data/imports/<file name>.csv and published like every other data file; importing a
    file of the same name again replaces its earlier figures.
    """
    from etl.catalog import load_catalog
    from etl.local_import import validate_import

    target = data_dir / "imports" / f"{file.stem}.csv"
    try:
        # Validated with the user's own file, sheet and cells in the messages, before anything is built.
        others = [p for p in pipeline.layer_files(data_dir, "imports") if p != target]
        content = validate_import(file, load_catalog(data_dir / "catalog"), others)
    except InputError as exc:
        _report_problems(exc)
    result = publish(data_dir, db_path, source=f"import {file.name}", pending={target: content})
    print_changes(result.revised, result.new_keys)
