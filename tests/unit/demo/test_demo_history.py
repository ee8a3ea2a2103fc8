"""The demo history: stage histories, orders and credits, quotas, seasonality, rep differences."""

from __future__ import annotations

import polars as pl

from attain.demo.catalogue import LOST_STAGE, STAGES, WON_STAGE
from attain.demo.company import build_context
from attain.domain.calendar import PeriodKind
from tests.unit.demo.conftest import SPEC

STAGE_RANK = {name: i for i, name in enumerate([*STAGES, WON_STAGE, LOST_STAGE])}
FINAL = {"won": WON_STAGE, "lost": LOST_STAGE}


def stage_paths(demo: dict[str, pl.DataFrame]) -> pl.DataFrame:
    ranked = demo["opportunity_stage"].with_columns(
        rank=pl.col("stage").replace_strict(STAGE_RANK, return_dtype=pl.Int64)
    )
    return ranked.group_by("opportunity").agg(
        pl.col("stage").sort_by("entered_at").alias("path"),
        pl.col("rank").sort_by("entered_at").alias("ranks"),
        pl.col("entered_at").max().alias("last_at"),
        pl.col("entered_at").n_unique().alias("times"),
        pl.len().alias("steps"),
    )


def test_every_opportunity_has_an_ordered_stage_history_ending_in_its_status(
    demo: dict[str, pl.DataFrame],
) -> None:
    opps = demo["opportunity"].join(stage_paths(demo), left_on="external_id", right_on="opportunity")
    assert opps.height == demo["opportunity"].height == 7924
    assert (opps["times"] == opps["steps"]).all()  # no two steps at the same instant
    increasing = opps["ranks"].list.eval(pl.element().diff().drop_nulls().min() > 0).list.first()
    assert increasing.fill_null(True).all()
    last = opps["path"].list.last()
    expected = opps.select(
        pl.when(pl.col("status") == "open")
        .then(pl.col("stage"))
        .otherwise(pl.col("status").replace_strict(FINAL, default=None))
    ).to_series()
    assert (last == expected).all()
    assert (opps.filter(pl.col("status") != "open")["stage"] == last.filter(opps["status"] != "open")).all()


def test_open_pipeline_is_created_before_and_planned_after_the_as_of_date(
    demo: dict[str, pl.DataFrame],
) -> None:
    opps = demo["opportunity"]
    open_ = opps.filter(pl.col("status") == "open")
    assert open_.height == 594
    assert (open_["created_on"] <= SPEC.as_of).all()
    assert (open_["close_on"] > SPEC.as_of).all()
    assert set(open_["stage"].unique().to_list()) == set(STAGES)
    assert (opps.filter(pl.col("status") != "open")["close_on"] <= SPEC.as_of).all()


def test_sales_are_orders_of_won_opportunities_with_the_opportunity_amount(
    demo: dict[str, pl.DataFrame],
) -> None:
    orders, opps = demo["order"], demo["opportunity"]
    sales = orders.filter(pl.col("kind").is_in(["new", "upsell", "renewal"]))
    assert dict(orders.group_by("kind").len().iter_rows()) == {
        "new": 1161,
        "upsell": 778,
        "renewal": 2259,
        "cancellation": 58,
        "return": 66,
    }
    joined = sales.join(opps, left_on="opportunity", right_on="external_id", suffix="_opp")
    assert joined.height == sales.height
    assert (joined["status_opp"] == "won").all()
    assert (joined["booked_on"] == joined["close_on"]).all()
    assert (sales["amount"] > 0).all()
    totals = sales.group_by("opportunity").agg(pl.col("amount").sum())
    won = opps.filter(pl.col("status") == "won").join(totals, left_on="external_id", right_on="opportunity")
    assert won.height == opps.filter(pl.col("status") == "won").height
    assert (won["amount"] == won["amount_right"]).all()
    assert orders.filter(pl.col("line_number") > 1)["order_number"].n_unique() > 500  # multi-line orders


def test_credits_are_negative_and_never_exceed_the_line_they_point_at(demo: dict[str, pl.DataFrame]) -> None:
    orders = demo["order"]
    credits = orders.filter(pl.col("kind").is_in(["cancellation", "return"]))
    joined = credits.join(orders, left_on="original", right_on="external_id", suffix="_orig")
    assert joined.height == credits.height == 124
    assert (joined["amount"] < 0).all()
    assert (joined["kind_orig"].is_in(["new", "upsell", "renewal"])).all()
    assert (joined["booked_on"] > joined["booked_on_orig"]).all()
    assert (joined["booked_on"] <= SPEC.as_of).all()
    per_line = joined.group_by("original").agg(pl.col("amount").sum(), pl.col("amount_orig").first())
    assert (-per_line["amount"] <= per_line["amount_orig"]).all()
    cancelled = joined.filter(pl.col("kind") == "cancellation")
    assert (cancelled["amount"] == -cancelled["amount_orig"]).all()


def test_quarterly_quotas_exist_for_every_rep_active_in_the_quarter_and_only_then(
    demo: dict[str, pl.DataFrame],
) -> None:
    quarters = [
        SPEC.calendar.period(PeriodKind.QUARTER, fy, q) for fy in SPEC.fiscal_years for q in range(1, 5)
    ]
    reps = demo["assignment"].filter(pl.col("role") == "rep")
    expected = {
        (person, q.key)
        for person, start, end in reps.select("person", "valid_from", "valid_to").iter_rows()
        for q in quarters
        if start < q.end and (end is None or end >= q.start)
    }
    goals = demo["goal"]
    assert set(goals["kind"].unique()) == {"quota"}
    assert set(goals["metric"].unique()) == {"revenue"}
    person = goals.filter(pl.col("scope_kind") == "person")
    assert set(person.select("person", "period").iter_rows()) == expected
    assert len(expected) == 683
    assert (person["target"] >= 1000).all()
    teams = goals.filter(pl.col("scope_kind") == "team")
    assert teams.height == 16 * 12  # 12 segment teams and 4 regions, every quarter
    assert goals.filter(pl.col("scope_kind") == "company").height == 12


def test_fourth_quarter_bookings_beat_the_third_on_average(demo: dict[str, pl.DataFrame]) -> None:
    sales = demo["order"].filter(pl.col("amount") > 0, pl.col("currency") == "USD")
    quarterly = sales.group_by(
        pl.col("booked_on").dt.year().alias("fy"), pl.col("booked_on").dt.quarter()
    ).agg(pl.col("amount").sum())
    closed_years = quarterly.filter(pl.col("fy") < SPEC.current_fy)
    mean = dict(closed_years.group_by("booked_on").agg(pl.col("amount").mean()).iter_rows())
    assert mean[4] > 1.2 * mean[3]


def new_business_win_rates(demo: dict[str, pl.DataFrame]) -> pl.DataFrame:
    closed = demo["opportunity"].filter(
        pl.col("status") != "open", ~pl.col("name").str.contains(" - Renewal ")
    )
    return (
        closed.group_by("owner")
        .agg(won=(pl.col("status") == "won").sum(), closed=pl.len())
        .filter(pl.col("closed") >= 40)
        .with_columns(rate=pl.col("won") / pl.col("closed"))
    )


def test_some_reps_win_clearly_more_often_than_others(demo: dict[str, pl.DataFrame]) -> None:
    rates = new_business_win_rates(demo)
    assert rates.height >= 40
    assert rates["rate"].quantile(0.9) > 2 * rates["rate"].quantile(0.1)  # type: ignore[operator]


def test_cycle_length_grows_from_smb_to_enterprise(demo: dict[str, pl.DataFrame]) -> None:
    won = (
        demo["opportunity"]
        .filter(pl.col("status") == "won", ~pl.col("name").str.contains(" - Renewal "))
        .join(demo["account"].select(pl.col("external_id").alias("account"), "segment"), on="account")
        .with_columns(days=(pl.col("close_on") - pl.col("created_on")).dt.total_days())
    )
    days = dict(won.group_by("segment").agg(pl.col("days").median()).iter_rows())
    assert days["SMB"] < days["Mid-Market"] < days["Enterprise"]


def test_money_is_exact_and_foreign_amounts_have_monthly_rates(demo: dict[str, pl.DataFrame]) -> None:
    orders = demo["order"]
    assert orders["amount"].dtype == pl.Int64
    assert dict(orders.group_by("currency").len().iter_rows()) == {"USD": 3598, "EUR": 349, "GBP": 375}
    rates = demo["exchange_rate"]
    assert set(rates["from_currency"].unique()) == {"EUR", "GBP"}
    assert rates.height == 2 * 33  # every month from January 2024 to September 2026


def test_reps_who_slip_this_year_win_less_after_the_slip(demo: dict[str, pl.DataFrame]) -> None:
    org = build_context(SPEC, 1.0).org
    slips = pl.DataFrame(
        [(p.external_id, p.slip_on) for p in org.reps if p.slip_on is not None],
        schema={"owner": pl.Utf8, "slip_on": pl.Date},
        orient="row",
    )
    assert slips.height == 6
    assert (slips["slip_on"] >= SPEC.calendar.year_start(SPEC.current_fy)).all()
    closed = (
        demo["opportunity"]
        .filter(pl.col("status") != "open", ~pl.col("name").str.contains(" - Renewal "))
        .join(slips, on="owner")
        .with_columns(after=pl.col("close_on") >= pl.col("slip_on"))
    )
    # Against each rep's own earlier win rate, so that who slips does not blur how much they slip.
    per_rep = closed.group_by("owner").agg(
        won_after=((pl.col("status") == "won") & pl.col("after")).sum(),
        closed_after=pl.col("after").sum(),
        rate_before=(pl.col("status") == "won").filter(~pl.col("after")).mean(),
    )
    expected = (per_rep["closed_after"] * per_rep["rate_before"]).sum()
    assert per_rep["won_after"].sum() < 0.6 * expected
