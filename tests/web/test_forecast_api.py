"""The forecast API: the outlook, accuracy, calls, overrides, snapshots, errors, calibration and expected
earnings, each cut to the caller's reach (a rep their own scope, a manager their subtree, org-wide roles
everything); writes are audited and need the CSRF header with a session cookie."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from attain.app.forecasts.ports import Call
from attain.app.forecasts.snapshots import take_snapshot
from attain.app.forecasts.submissions import submit
from attain.app.runs.close import close_period
from attain.store.unit_of_work import SqlStore
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import PERIOD, add_pay

NOW = "FY2026-Q4"  # the quarter of today in these tests' calendar (FY = calendar year)


@pytest.fixture
def paid(sqlite_store: SqlStore) -> Org:
    org = build_org(sqlite_store)
    add_pay(org)
    return org


def _call(week: int = 2, commit: int = 100_00, best: int = 200_00, pipe: int = 300_00) -> dict[str, int]:
    return {"week": week, "commit": commit, "best_case": best, "pipeline": pipe}


def test_a_rep_sees_only_their_own_scope_and_gets_404_for_another(paid: Org) -> None:
    ann = signed_in(paid.store, "ann")
    out = ann.get("/api/v1/forecasts/outlook", params={"period": NOW}).json()
    assert [s["scope"] for s in out["scopes"]] == [f"person:{paid.ids['ann']}"]
    assert ann.get("/api/v1/forecasts/outlook", params={"period": NOW, "scope": "company"}).status_code == 404
    mine = ann.get(f"/api/v1/people/{paid.ids['ann']}/forecast", params={"period": NOW})
    assert mine.status_code == 200
    assert mine.json()["scope"] == f"person:{paid.ids['ann']}"
    assert ann.get(f"/api/v1/people/{paid.ids['cat']}/forecast").status_code == 404
    assert ann.get(f"/api/v1/people/{paid.ids['cat']}/forecast/earnings").status_code == 404


def test_org_wide_roles_see_the_company_and_a_manager_their_people(paid: Org) -> None:
    admin = signed_in(paid.store, "viewer").get("/api/v1/forecasts/outlook").json()
    scopes = {s["scope"] for s in admin["scopes"]}
    assert "company" in scopes
    assert f"person:{paid.ids['cat']}" in scopes
    company = next(s for s in admin["scopes"] if s["scope"] == "company")
    assert company["statistical_lo_80"] <= company["statistical"] <= company["statistical_hi_80"]
    boss = signed_in(paid.store, "boss").get("/api/v1/forecasts/outlook").json()
    assert {s["scope"] for s in boss["scopes"]} <= {f"person:{paid.ids[n]}" for n in ("boss", "ann", "ben")}
    assert f"person:{paid.ids['ann']}" in {s["scope"] for s in boss["scopes"]}


def test_a_rep_submits_their_call_and_it_is_audited(paid: Org) -> None:
    ann = signed_in(paid.store, "ann")
    made = ann.post(f"/api/v1/forecasts/{NOW}/submissions", json={**_call(), "note": "two deals"})
    assert made.status_code == 201, made.text
    assert (made.json()["person_id"], made.json()["call"]["commit"], made.json()["by"]) == (
        paid.ids["ann"],
        100_00,
        "ann",
    )
    with paid.store.transaction() as tx:
        audit = tx.audit.recent(5)
    assert (audit[0]["action"], audit[0]["actor"], audit[0]["reason"]) == (
        "forecast.submit",
        "ann",
        "two deals",
    )
    # Another person's call: not in reach, so the id does not exist for her.
    other = ann.post(f"/api/v1/forecasts/{NOW}/submissions", json={**_call(), "person_id": paid.ids["cat"]})
    assert other.status_code == 404
    bad = ann.post(f"/api/v1/forecasts/{NOW}/submissions", json=_call(commit=500_00))
    assert bad.status_code == 422  # commit above best case
    del ann.headers["X-CSRF-Token"]
    assert ann.post(f"/api/v1/forecasts/{NOW}/submissions", json=_call()).status_code == 403


def test_a_manager_overrides_a_report_with_a_note_and_the_rollup_shows_it(paid: Org) -> None:
    signed_in(paid.store, "ann").post(f"/api/v1/forecasts/{NOW}/submissions", json=_call())
    boss = signed_in(paid.store, "boss")
    body = {**_call(commit=50_00), "subject_id": paid.ids["ann"], "note": "deal slipped"}
    made = boss.post(f"/api/v1/forecasts/{NOW}/overrides", json=body)
    assert made.status_code == 201, made.text
    outside = boss.post(f"/api/v1/forecasts/{NOW}/overrides", json={**body, "subject_id": paid.ids["cat"]})
    assert outside.status_code == 404
    rep = signed_in(paid.store, "ann").post(f"/api/v1/forecasts/{NOW}/overrides", json=body)
    assert rep.status_code == 403
    roll = boss.get(f"/api/v1/forecasts/{NOW}/calls", params={"week": 2}).json()
    lines = {line["name"]: line for line in roll["lines"]}
    assert set(lines) == {"Boss", "Ann", "Ben"}
    assert roll["company"] is None
    assert (lines["Ann"]["submitted"]["commit"], lines["Ann"]["effective"]["commit"]) == (100_00, 50_00)
    assert lines["Ann"]["override_note"] == "deal slipped"
    assert lines["Boss"]["team"]["commit"] == 50_00
    company = signed_in(paid.store, "admin").get(f"/api/v1/forecasts/{NOW}/calls?week=2").json()["company"]
    assert company["commit"] == 50_00


def test_snapshots_are_taken_by_admins_once_and_read_within_reach(paid: Org) -> None:
    signed_in(paid.store, "ann").post(f"/api/v1/forecasts/{NOW}/submissions", json=_call(week=6))
    comp = signed_in(paid.store, "compadmin")
    assert (
        signed_in(paid.store, "boss").post(f"/api/v1/forecasts/{NOW}/snapshots", json={"week": 6}).status_code
        == 403
    )
    taken = comp.post(f"/api/v1/forecasts/{NOW}/snapshots", json={"week": 6})
    assert taken.status_code == 201, taken.text
    methods = {r["method"] for r in taken.json()["rows"] if r["scope"] == "company"}
    assert {"commit", "best_case", "pipeline_call", "statistical", "blended"} <= methods
    assert comp.post(f"/api/v1/forecasts/{NOW}/snapshots", json={"week": 6}).status_code == 409
    assert comp.get(f"/api/v1/forecasts/{NOW}/snapshots").json()["weeks"] == [6]
    ann = signed_in(paid.store, "ann").get(f"/api/v1/forecasts/{NOW}/snapshots/6").json()
    assert {r["scope"] for r in ann["rows"]} == {f"person:{paid.ids['ann']}"}
    commit = next(r for r in ann["rows"] if r["method"] == "commit")
    assert commit["amount"] == 100_00
    assert comp.get(f"/api/v1/forecasts/{NOW}/snapshots/7").status_code == 404


def test_closed_periods_errors_are_listed_within_reach(paid: Org) -> None:
    at = datetime(2025, 3, 1, tzinfo=UTC)
    for who in ("ann", "cat"):
        submit(
            paid.store,
            person=who,
            period=PERIOD,
            week=9,
            call=Call(1_000_00, 2_000_00, 3_000_00),
            currency="USD",
            note=None,
            actor=who,
            at=at,
        )
    take_snapshot(paid.store, period=PERIOD, week=9, currency="USD", model_forecasts={}, actor="t", at=at)
    close_period(paid.store, PERIOD, actor="t")
    ann = signed_in(paid.store, "ann").get("/api/v1/forecasts/errors", params={"period": PERIOD}).json()
    assert {(e["scope"], e["method"]) for e in ann} == {
        (f"person:{paid.ids['ann']}", m) for m in ("commit", "best_case", "pipeline_call")
    }
    commit = next(e for e in ann if e["method"] == "commit")
    assert (commit["forecast"], commit["actual"], commit["error"]) == (1_000_00, 15_000_00, -14_000_00)
    everyone = signed_in(paid.store, "finance").get("/api/v1/forecasts/errors").json()
    # Every scope with an actual: ann, ben (who called nothing: zero), cat and the company, three calls each.
    assert len(everyone) == 12


def test_accuracy_and_calibration_by_role(paid: Org) -> None:
    ann = signed_in(paid.store, "ann").get("/api/v1/forecasts/accuracy").json()
    assert {m["scope"] for m in ann["methods"]} <= {f"person:{paid.ids['ann']}"}
    assert {m["method"] for m in ann["methods"]} == {"combination", "ets", "theta", "seasonal_naive"}
    assert signed_in(paid.store, "ann").get("/api/v1/forecasts/calibration").status_code == 403
    cal = signed_in(paid.store, "viewer").get("/api/v1/forecasts/calibration").json()
    assert (cal["deals"], cal["deciles"]) == (0, [])  # no opportunities in this org


def test_a_rep_sees_their_expected_earnings(paid: Org) -> None:
    ann = signed_in(paid.store, "ann")
    out = ann.get(f"/api/v1/people/{paid.ids['ann']}/forecast/earnings", params={"period": NOW})
    assert out.status_code == 200, out.text
    body = out.json()
    assert (body["period"], body["open_deals"], body["low_10"] <= body["expected"] <= body["high_90"]) == (
        NOW,
        0,
        True,
    )
