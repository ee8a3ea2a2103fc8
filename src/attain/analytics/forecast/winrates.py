"""Win probabilities learned from history: a ridge-regularised logistic model on the deal's stage, age in
stage, size and owner, fitted on weekly snapshots of the pipeline (`hazard` fits it to each week's
outcome); and the calibration of predicted probabilities by deciles.

Deal size is the product's median won amount before the cut-off:
the amount of a closed deal is its outcome (lost deals often carry 0), so using it would leak the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

AGE_BANDS = (0, 15, 30, 60, 90, 180)  # days in stage; a deal falls in the last band it reaches
RIDGE = 1.0  # the penalty pulls rarely-seen stages and reps towards the average, not to extremes


def stage_on(opportunities: pl.DataFrame, stages: pl.DataFrame, day: date) -> pl.DataFrame:
    """Deals open at the end of `day`: created on or before it and not closed by then, with their stage
    on that day (the last history entry up to it, else the first stage entered) and days in that stage."""
    open_ = opportunities.filter(
        pl.col("created_on").is_not_null()
        & (pl.col("created_on") <= day)
        & (pl.col("close_on").is_null() | (pl.col("close_on") > day))
        & ~((pl.col("status") != "open") & pl.col("close_on").is_null())
    )
    hist = stages.with_columns(pl.col("entered_at").dt.date().alias("entered_on"))
    last = (
        hist.filter(pl.col("entered_on") <= day)
        .sort(["opportunity_id", "entered_on"])
        .group_by("opportunity_id", maintain_order=True)
        .last()
        .select(pl.col("opportunity_id").alias("id"), pl.col("stage").alias("stage_then"), "entered_on")
    )
    out = open_.join(last, on="id", how="left").with_columns(
        pl.col("stage_then").fill_null(pl.lit("(new)")),
        pl.col("entered_on").fill_null(pl.col("created_on")),
    )
    return out.with_columns(
        (pl.lit(day) - pl.col("entered_on")).dt.total_days().alias("age_days"),
        pl.lit(day).alias("snapshot"),
    )


def typical_sizes(opportunities: pl.DataFrame, cutoff: date) -> dict[int | None, float]:
    """The median won amount per product before `cutoff`; the key None holds the overall median."""
    won = opportunities.filter(
        (pl.col("status") == "won") & (pl.col("close_on") <= cutoff) & pl.col("amount").is_not_null()
    )
    median = won["amount"].median() if won.height else None
    overall = float(median) if isinstance(median, int | float) and median > 0 else 1.0
    sizes: dict[int | None, float] = {None: overall}
    for pid, med in won.group_by("product_id").agg(pl.col("amount").median()).iter_rows():
        if pid is not None:
            sizes[int(pid)] = float(med)
    return sizes


def with_size(frame: pl.DataFrame, sizes: dict[int | None, float]) -> pl.DataFrame:
    overall = sizes[None]
    mapped = [sizes.get(None if p is None else int(p), overall) for p in frame["product_id"].to_list()]
    return frame.with_columns(pl.Series("size", mapped, dtype=pl.Float64))


@dataclass(frozen=True, slots=True)
class WinModel:
    """Coefficients of the logistic model and the categories it knows (unknown ones count as average)."""

    stages: tuple[str, ...]
    owners: tuple[int, ...]
    coef: np.ndarray
    mean_log_size: float

    def design(self, frame: pl.DataFrame) -> np.ndarray:
        n = frame.height
        cols = [np.ones(n)]
        stage = frame["stage_then"].to_list()
        cols += [np.array([s == k for s in stage], dtype=float) for k in self.stages]
        age = frame["age_days"].to_numpy()
        band = np.searchsorted(np.array(AGE_BANDS), age, side="right") - 1
        cols += [(band == b).astype(float) for b in range(1, len(AGE_BANDS))]
        cols.append(np.log1p(frame["size"].to_numpy()) - self.mean_log_size)
        owner = frame["owner_id"].to_list()
        cols += [np.array([o == k for o in owner], dtype=float) for k in self.owners]
        return np.column_stack(cols)

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        if frame.height == 0:
            return np.zeros(0)
        z = self.design(frame) @ self.coef
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def fit_win_model(rows: pl.DataFrame, ridge: float = RIDGE) -> WinModel:
    """Fit by Newton's method (IRLS) on the ridge-penalised log-likelihood; the intercept is not penalised."""
    if rows.height == 0:
        raise ValueError("no training rows: the history has no deal open long enough before the cut-off")
    model = WinModel(
        stages=tuple(sorted(set(rows["stage_then"].to_list()))),
        owners=tuple(sorted({int(o) for o in rows["owner_id"].drop_nulls().to_list()})),
        coef=np.zeros(0),
        mean_log_size=float(np.log1p(rows["size"].to_numpy()).mean()),
    )
    x = model.design(rows)
    y = rows["won"].to_numpy().astype(float)
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 0.0
    beta = np.zeros(x.shape[1])
    p0 = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta[0] = np.log(p0 / (1 - p0))
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        grad = x.T @ (y - p) - penalty * beta
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + np.eye(len(beta)) * 1e-9
        delta = np.linalg.solve(hess, grad)
        beta += delta
        if float(np.abs(delta).max()) < 1e-8:
            break
    return WinModel(model.stages, model.owners, beta, model.mean_log_size)


def calibration(predicted: np.ndarray, outcome: np.ndarray, bins: int = 10) -> pl.DataFrame:
    """Predicted against observed win rate per decile of predicted probability (equal-count bins)."""
    order = np.argsort(predicted, kind="stable")
    groups = np.array_split(order, bins)
    rows = []
    for i, g in enumerate(groups, start=1):
        if g.size == 0:
            continue
        rows.append(
            {
                "decile": i,
                "deals": int(g.size),
                "predicted": float(predicted[g].mean()),
                "observed": float(outcome[g].mean()),
            }
        )
    return pl.DataFrame(rows)


def calibration_error(table: pl.DataFrame) -> float:
    """Expected calibration error: |predicted - observed| per bin, weighted by the bin's deals."""
    w = table["deals"].to_numpy().astype(float)
    gap = np.abs(table["predicted"].to_numpy() - table["observed"].to_numpy())
    return float((w * gap).sum() / w.sum())
