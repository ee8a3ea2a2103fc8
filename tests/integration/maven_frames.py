"""The Maven CRM batch as the fact frames analytics reads (row ids, not external ids), with no store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from attain.app.imports.sources.maven_crm import read_maven_crm


@dataclass(frozen=True)
class MavenFrames:
    opportunities: pl.DataFrame
    stages: pl.DataFrame
    orders: pl.DataFrame
    people: pl.DataFrame
    teams: pl.DataFrame
    assignments: pl.DataFrame


def _ids(frame: pl.DataFrame) -> dict[str, int]:
    return {e: i + 1 for i, e in enumerate(frame["external_id"].to_list())}


def maven_frames(folder: Path) -> MavenFrames:
    batch = dict(read_maven_crm(folder).frames)
    people, teams, products = _ids(batch["person"]), _ids(batch["team"]), _ids(batch["product"])
    deals = _ids(batch["opportunity"])

    def ref(col: str, ids: dict[str, int]) -> pl.Expr:
        return pl.col(col).replace_strict(ids, default=None, return_dtype=pl.Int64)

    opp = batch["opportunity"].select(
        ref("external_id", deals).alias("id"),
        "external_id",
        ref("owner", people).alias("owner_id"),
        ref("product", products).alias("product_id"),
        "stage",
        "status",
        "amount",
        "created_on",
        "close_on",
    )
    stages = batch["opportunity_stage"].select(
        ref("opportunity", deals).alias("opportunity_id"), "stage", "entered_at"
    )
    orders = batch["order"].select(
        ref("owner", people).alias("owner_id"), pl.col("booked_on").alias("day"), "amount"
    )
    ppl = batch["person"].select(ref("external_id", people).alias("id"), "name")
    tms = batch["team"].select(
        ref("external_id", teams).alias("id"), "name", ref("parent", teams).alias("parent_id")
    )
    asg = batch["assignment"].select(
        ref("person", people).alias("person_id"),
        "role",
        ref("team", teams).alias("team_id"),
        "valid_from",
        pl.lit(None, dtype=pl.Date).alias("valid_to"),
    )
    return MavenFrames(opp, stages, orders, ppl, tms, asg)
