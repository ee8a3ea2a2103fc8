"""Benchmark: Attain's automatic forecasting method on the 1,428 monthly series of the M3 competition.

Each series is fitted on its training part and forecast 18 months ahead (the official hold-out,
split=test); sMAPE (the M3 formula, in percent) and MASE (scaled by the in-sample seasonal naive
error) are averaged over series, as the M3 papers do. Printed next to seasonal naive, a reproduction
of the M3 Theta method (statsforecast's standard Theta), and the published M3 results.
Data: ../shared/data/m3-competition (see its SOURCE.txt); never copied into the repository.
Usage: python benchmarks/forecast_m3.py [--limit N] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
from statsforecast.models import Theta

from attain.analytics.forecast.methods import Method, forecast_methods
from attain.analytics.forecast.metrics import mase, smape

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "m3-competition" / "m3_long.csv.gz"
H, SEASON = 18, 12

# Makridakis, S. & Hibon, M. (2000). The M3-Competition: results, conclusions and implications.
# International Journal of Forecasting 16(4), 451-476: monthly data (1,428 series), symmetric MAPE
# averaged over forecasting horizons 1-18.
PUBLISHED_SMAPE = {"Theta (M3, published)": 13.85}


def load() -> list[tuple[str, np.ndarray, np.ndarray]]:
    frame = pl.read_csv(DATA).filter(pl.col("frequency") == "monthly").sort("series", "t")
    out = []
    for (name,), part in frame.group_by("series", maintain_order=True):
        out.append(
            (
                str(name),
                part.filter(pl.col("split") == "train")["value"].to_numpy(),
                part.filter(pl.col("split") == "test")["value"].to_numpy(),
            )
        )
    return out


SINGLES = (Method.ETS, Method.THETA, Method.CES)  # the members; AutoARIMA alone: docs/forecasting.md
LABELS = {
    Method.AUTO: "Attain auto (combination)",
    Method.ETS: "  AutoETS",
    Method.THETA: "  Theta (DOTM)",
    Method.CES: "  AutoCES",
    Method.SEASONAL_NAIVE: "Seasonal naive",
}
THETA_STM = "Theta (statsforecast, reproduction)"


def forecast_one(item: tuple[str, np.ndarray, np.ndarray]) -> dict[str, object]:
    name, y, test = item
    out: dict[str, object] = {"series": name}
    t = time.process_time()
    # One call fits each member once; the combination (Attain's automatic method) reuses them.
    fits = forecast_methods(y, H, SEASON, [Method.AUTO, *SINGLES], levels=())
    out["attain_cpu"] = time.process_time() - t
    fcs = {LABELS[m]: f.mean for m, f in fits.items()}
    fcs[LABELS[Method.SEASONAL_NAIVE]] = forecast_methods(y, H, SEASON, [Method.SEASONAL_NAIVE], ())[
        Method.SEASONAL_NAIVE
    ].mean
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fcs[THETA_STM] = np.asarray(Theta(season_length=SEASON).forecast(y=y, h=H)["mean"])
    for method, f in fcs.items():
        out[f"{method}|smape"] = smape(test, f)
        out[f"{method}|mase"] = mase(test, f, y, SEASON)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="only the first N series (for a quick look)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"M3 data not found at {DATA}")
    series = load()[: args.limit]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(forecast_one, series, chunksize=4))
    wall = time.perf_counter() - start
    frame = pl.DataFrame(rows)
    attain_cpu = float(frame["attain_cpu"].sum())
    print(
        f"M3 monthly: {len(series)} series, horizon {H}; {args.workers} workers; wall {wall:.0f} s "
        f"(Attain auto: {attain_cpu:.0f} CPU s, {attain_cpu / args.workers:.0f} s on {args.workers} "
        f"idle cores); load average at the end {os.getloadavg()[0]:.1f}"
    )
    print()
    print(f"| {'method':<38} | {'sMAPE %':>8} | {'MASE':>6} |")
    print(f"|{'-' * 40}|{'-' * 10}:|{'-' * 7}:|")
    for method in [*LABELS.values(), THETA_STM]:
        s, m = frame[f"{method}|smape"].mean(), frame[f"{method}|mase"].drop_nulls().mean()
        print(f"| {method:<38} | {s:>8.2f} | {m:>6.3f} |")
    for method, s in PUBLISHED_SMAPE.items():
        print(f"| {method:<38} | {s:>8.2f} | {'n/a':>6} |")


if __name__ == "__main__":
    main()
