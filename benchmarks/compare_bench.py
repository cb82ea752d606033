"""Time /jamfor's callback path on the shipped database and on a generated national-scale one.

What is timed is what ``update_compare`` runs for one state, without Dash: ``compare.resolve``
(URL/controls -> validated state), ``compare.compute`` (the query through ``dashboard.queries``,
the measure, the figure, the summary, the table and the CSV frame), and, in a second column, the
serialisation Dash adds on top (figure JSON and the CSV text of the download link).

The national database is built through the real ETL (``etl.pipeline.collect`` + ``etl.load.build``)
from a temporary data directory under /tmp: ``data/catalog`` copied, ``regions.yaml`` replaced by
290 GENERATED municipalities (codes 9001-9290, names "Genererad kommun NNN"; 12 of them form
MLR, one joining in 2019 like Skurup), and seed CSVs of generated numbers for every indicator,
1995-2024, marked ``GENERATED – benchmark only`` in ``source``. Nothing is written under data/.

    .venv/bin/python benchmarks/compare_bench.py [--runs 30] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import plotly.io as pio
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard import compare, db  # noqa: E402

GENERATED = "GENERATED – benchmark only"
N_MUNICIPALITIES = 290
YEARS = range(1995, 2025)
REAL_MEMBERS = ["1230", "1231", "1233", "1261", "1262", "1263", "1264", "1267", "1280", "1281", "1285", "1287"]


# ---------------------------------------------------------------- the generated national data set


def generated_codes() -> list[str]:
    return [f"{9001 + i}" for i in range(N_MUNICIPALITIES)]


def write_regions(path: Path, codes: list[str], members: list[str]) -> None:
    regions = {
        "municipalities": [{"code": c, "name": f"Genererad kommun {i + 1:03d}"} for i, c in enumerate(codes)],
        "groups": [
            {"code": "MLR", "name_sv": "MalmöLundregionen (genererad)", "name_en": "Malmö–Lund Region (generated)",
             "kind": "cooperation", "source": GENERATED,
             "members": [{"code": c, "valid_from": 2019 if i == 6 else None, "valid_to": None, "source": GENERATED}
                         for i, c in enumerate(members)]},
            {"code": "12", "name_sv": "Skåne län", "name_en": "Skåne County", "kind": "county", "source": GENERATED,
             "members": []},
            {"code": "00", "name_sv": "Riket", "name_en": "Sweden", "kind": "country", "source": GENERATED,
             "members": []},
        ],
    }
    path.write_text("# GENERATED – benchmark only: 290 invented municipalities, not real codes.\n"
                    + yaml.safe_dump(regions, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_observations(seed: Path, indicators: list[dict], codes: list[str], rng: np.random.Generator) -> int:
    """Generated values for every indicator, municipality, Skåne (first 33) and Sweden (all), 1995-2024."""
    n, years = len(codes), np.array(list(YEARS))
    base_pop = np.exp(rng.normal(np.log(16000), 0.9, n)).clip(2500, 700000)
    growth = rng.normal(0.008, 0.006, n)
    pop = base_pop[:, None] * (1 + growth[:, None]) ** (years - years[0])[None, :]
    county = slice(0, 33)
    rows = 0
    with (seed / "generated.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["indicator_id", "region_code", "period", "value", "status", "source", "source_url",
                      "retrieved_at", "note"])
        for ind in indicators:
            if ind["id"] == "population":
                values = np.round(pop)
            elif ind["unit_sv"] == "procent":
                values = np.clip(rng.normal(40, 15, n)[:, None] + rng.normal(0, 3, pop.shape), 0.5, 99)
            else:
                values = np.round(pop * np.clip(rng.normal(5, 2, n), 0.2, None)[:, None] / 1000
                                  * rng.uniform(0.5, 1.5, pop.shape))
            values = values.astype(float)
            values[rng.random(values.shape) < 0.02] = np.nan  # gaps, as the sources have them
            if ind["unit_sv"] == "procent":
                weights = np.where(np.isnan(values), 0, pop)
                with np.errstate(invalid="ignore"):
                    totals = {"12": np.nansum((values * weights)[county], 0) / weights[county].sum(0),
                              "00": np.nansum(values * weights, 0) / weights.sum(0)}
            else:
                totals = {"12": np.nansum(values[county], 0), "00": np.nansum(values, 0)}
            decimals = int(ind.get("decimals", 0))
            for codes_i, matrix in ((codes, values), (["12", "00"], np.vstack([totals["12"], totals["00"]]))):
                for code, series in zip(codes_i, matrix, strict=True):
                    for year, value in zip(years, series, strict=True):
                        missing = np.isnan(value)
                        out.writerow([ind["id"], code, int(year), ".." if missing else round(float(value), decimals),
                                      "missing" if missing else "final", GENERATED, "", "2026-01-01", GENERATED])
                        rows += 1
    return rows


def build_national(workdir: Path) -> Path:
    from etl import load, pipeline

    data = workdir / "data"
    shutil.copytree(ROOT / "data" / "catalog", data / "catalog")
    (data / "seed").mkdir(parents=True)
    codes = generated_codes()
    rng = np.random.default_rng(20261123)
    members = sorted(rng.choice(codes, 12, replace=False).tolist())
    write_regions(data / "catalog" / "regions.yaml", codes, members)
    # The plan's responsible municipalities and any municipal target scope point at real codes:
    # send each real member to a generated member, so the copied catalogue stays consistent.
    mapping = dict(zip(REAL_MEMBERS, members, strict=True))
    for path in (data / "catalog").glob("*.yaml"):
        if path.name != "regions.yaml":
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r'"(12\d\d)"', lambda m: f'"{mapping.get(m.group(1), m.group(1))}"', text),
                            encoding="utf-8")
    indicators = yaml.safe_load((data / "catalog" / "indicators.yaml").read_text(encoding="utf-8"))["indicators"]
    t0 = time.perf_counter()
    rows = write_observations(data / "seed", indicators, codes, rng)
    inputs = pipeline.collect(data)
    target = workdir / "national.duckdb"
    load.build(target, inputs.catalog, inputs.observations, checksum=inputs.checksum, source="benchmark")
    print(f"built {target}: {rows} generated observations, {len(indicators)} indicators, "
          f"{N_MUNICIPALITIES} municipalities, {YEARS.start}-{YEARS.stop - 1}, in {time.perf_counter() - t0:.1f} s")
    return target


# ---------------------------------------------------------------- timing


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_it(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm: catalogue cached, plotly validators loaded
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def scenarios(cat: compare.Catalog) -> list[tuple[str, dict[str, str]]]:
    members = ",".join(cat.members + ["MLR", "12", "00"])
    focus = cat.members[5]
    everything = f"all {len(cat.municipalities)} + 3"
    return [
        (f"line, abs, {everything}", {"indicator": "housing_completions"}),
        (f"line, per1000, {everything}", {"indicator": "housing_completions", "measure": "per1000", "focus": focus}),
        ("line, per1000, MLR members + 3", {"indicator": "housing_completions", "measure": "per1000",
                                           "region": members, "focus": focus}),
        (f"ranking, index, {everything}", {"indicator": "unemployment_rate", "measure": "index", "view": "ranking"}),
        ("heatmap, share, MLR members", {"indicator": "housing_completions", "measure": "share", "view": "heatmap",
                                         "region": members}),
        (f"heatmap, per1000, {everything}", {"indicator": "housing_completions", "measure": "per1000",
                                            "view": "heatmap"}),
        ("small, per1000, MLR members + 3", {"indicator": "housing_completions", "measure": "per1000",
                                            "view": "small", "region": members, "focus": focus}),
    ]


def run(label: str, path: Path, runs: int) -> list[tuple[str, str, float, float, float, float, float, int]]:
    db.configure(path)
    compare._CATALOG.clear()
    t0 = time.perf_counter()
    cat = compare.catalog()
    cold = (time.perf_counter() - t0) * 1000
    print(f"{label}: catalogue read once per database file in {cold:.0f} ms")
    results = []
    for name, args in scenarios(cat):
        def path_only(args: dict[str, str] = args) -> compare.View:
            return compare.compute(compare.resolve(args, cat), cat)

        def with_serialisation(args: dict[str, str] = args) -> None:
            view = path_only(args)
            pio.to_json(view.figure, validate=False)
            view.csv.to_csv(index=False)

        state = compare.resolve(args, cat)
        view = path_only()
        q = percentiles(time_it(lambda state=state: compare.fetch(state, cat), runs))
        a = percentiles(time_it(path_only, runs))
        b = percentiles(time_it(with_serialisation, runs))
        results.append((label, name, q[0], *a, *b, len(view.csv)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the generated data and database in /tmp")
    parser.add_argument("--shipped", type=Path, default=ROOT / "data" / "mlr.duckdb")
    args = parser.parse_args()
    if not args.shipped.exists():
        sys.exit(f"{args.shipped} not found: run `python -m etl build` first")
    workdir = Path(tempfile.mkdtemp(prefix="mlr-compare-bench-", dir="/tmp"))
    try:
        national = build_national(workdir)
        rows = run("shipped", args.shipped, args.runs) + run("national", national, args.runs)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.runs} runs each after one warm-up, in ms (load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs). 'query' = compare.fetch alone; 'path' = resolve + query + measure + figure"
          " + summary + table + CSV frame; '+ser' adds the figure JSON and the CSV text Dash sends.")
    head = (f"{'database':9} {'scenario':34} {'query p50':>9} {'path p50':>9} {'path p95':>9} {'+ser p50':>9} "
            f"{'+ser p95':>9} {'rows':>6}")
    print(head)
    print("-" * len(head))
    for label, name, q50, p50, p95, s50, s95, n in rows:
        print(f"{label:9} {name:34} {q50:9.1f} {p50:9.1f} {p95:9.1f} {s50:9.1f} {s95:9.1f} {n:6d}")


if __name__ == "__main__":
    main()
