"""Benchmark: the coaching views on the demo company (60 reps, three fiscal years), per backend.

Generates the demo company and seeds its coaching data (`seed_demo_coaching`, timed), then times what
a page request does: the manager's team page (overdue items with metric movement, recommendations
with plan nudges, calibration), a rep's page, the recommendations for the whole company, a review
snapshot and a contest leaderboard. Each request uses a fresh KPI adapter, as the web app does.
Then the pages through the web app (FastAPI's TestClient, signed in): the team page for an admin on a
new app (its first request), after an audited write (the first request of a new data version: the
company's figures are recomputed), warm (answered from the figures cache), and warm for a manager; a
rep's page and a person's page, warm. Prints median and max seconds of --repeat runs.
Usage: python benchmarks/coaching_views.py [--backend sqlite postgres] [--repeat 5] [--reps 60]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from attain.app.coaching.access import Viewer
from attain.app.coaching.appraisals import calibration, open_review
from attain.app.coaching.contests import leaderboard
from attain.app.coaching.feedback import feedback_about
from attain.app.coaching.followup import ItemFilter, follow_up
from attain.app.coaching.nudges import plan_nudges
from attain.app.coaching.recommendations import recommendations
from attain.app.coaching.seed import seed_demo_coaching
from attain.app.coaching.sessions import schedule_session, sessions_for
from attain.app.users import create_user
from attain.demo.install import install_demo
from attain.demo.spec import DemoSpec
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.testing import PostgresSandbox, postgres_unavailable_reason
from attain.store.unit_of_work import SqlStore, open_store
from attain.web.app import create_app

AS_OF = date(2026, 11, 15)
QUARTER, PREVIOUS = "FY2026-Q4", "FY2026-Q3"
PASSWORD = "bench-password-1"
POSTGRES = os.environ.get("ATTAIN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), max(runs)


def measure(store: SqlStore, reps: int, repeat: int) -> list[tuple[str, float, float]]:
    start = time.perf_counter()
    install_demo(store, DemoSpec(as_of=AS_OF, reps=reps), actor="bench")
    generated = time.perf_counter() - start
    cs = SqlCoachingStore(store)
    start = time.perf_counter()
    seeded = seed_demo_coaching(cs, AnalyticsKpis(store), today=AS_OF)
    seeding = time.perf_counter() - start
    with cs.transaction() as tx:
        manager = tx.org.with_role("manager", AS_OF)[0]
        rep = sorted(tx.org.reports_of(manager, AS_OF) & set(tx.org.with_role("rep", AS_OF)))[0]
        contest = tx.recognition.contests()[0].key
    boss, me, admin = (
        Viewer("boss", ("manager",), manager),
        Viewer("rep", ("rep",), rep),
        Viewer.operator("bench"),
    )

    def team_page() -> None:
        kpis = AnalyticsKpis(store)
        follow_up(cs, kpis, boss, today=AS_OF, which=ItemFilter.OVERDUE)
        recommendations(cs, kpis, boss, period=QUARTER, today=AS_OF, nudges=plan_nudges(cs))
        calibration(cs, boss, period=PREVIOUS, today=AS_OF)

    def rep_page() -> None:
        kpis = AnalyticsKpis(store)
        follow_up(cs, kpis, me, today=AS_OF, person_ids=[rep])
        feedback_about(cs, me, rep, today=AS_OF)
        sessions_for(cs, me, today=AS_OF, person_id=rep)

    def company_recommendations() -> None:
        recommendations(cs, AnalyticsKpis(store), admin, period=QUARTER, today=AS_OF, nudges=plan_nudges(cs))

    def review_snapshot() -> None:
        with store.engine.begin() as conn:  # the review metrics go with it (ON DELETE CASCADE)
            conn.execute(
                text(
                    "DELETE FROM reviews WHERE person_id = :p AND period_id = "
                    "(SELECT id FROM periods WHERE key = :k)"
                ),
                {"p": rep, "k": QUARTER},
            )
        open_review(cs, AnalyticsKpis(store), boss, person_id=rep, period=QUARTER, today=AS_OF)

    rows = [
        ("generate demo company (once)", generated, generated),
        (
            f"seed coaching data (once: {seeded.sessions} sessions, {seeded.reviews} reviews)",
            seeding,
            seeding,
        ),
    ]
    rows.append(("manager's team page", *timed(team_page, repeat)))
    rows.append(("rep's page", *timed(rep_page, repeat)))
    rows.append(("recommendations, whole company", *timed(company_recommendations, repeat)))
    rows.append(("open a review (snapshot)", *timed(review_snapshot, repeat)))
    rows.append(
        (
            "contest leaderboard",
            *timed(lambda: leaderboard(cs, AnalyticsKpis(store), boss, contest, today=AS_OF), repeat),
        )
    )
    return rows + measure_pages(store, cs, manager, rep, repeat)


def measure_pages(
    store: SqlStore, cs: SqlCoachingStore, manager: int, rep: int, repeat: int
) -> list[tuple[str, float, float]]:
    """The coaching pages through the web app, first and warm."""
    for name, role, person in (("bench-admin", "admin", None), ("bench-boss", "manager", manager)):
        create_user(store, name, PASSWORD, [role], person_id=person)
    create_user(store, "bench-rep", PASSWORD, ["rep"], person_id=rep)
    app = create_app(store, secret_key="bench")
    app.state.today = AS_OF

    def client(username: str) -> TestClient:
        c = TestClient(app)
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
        assert token is not None
        c.post("/login", data={"username": username, "password": PASSWORD, "csrf": token.group(1)})
        return c

    admin, boss, me = client("bench-admin"), client("bench-boss"), client("bench-rep")

    def get(c: TestClient, url: str) -> None:
        response = c.get(url)
        assert response.status_code == 200, response.text[:300]

    team = "/coaching/team"
    rows = [("page: team, admin, first request of the app", *timed(lambda: get(admin, team), 1))]

    def after_a_write() -> None:
        schedule_session(
            cs,
            Viewer.operator("bench"),
            rep_id=rep,
            coach_id=manager,
            kind="one_to_one",
            held_on=AS_OF,
            topic="x",
            today=AS_OF,
        )
        figures = getattr(app.state, "figures", None)
        if figures is not None:  # read the new data version now, as the page's own forms do
            figures.refresh_stamp()

    runs = []
    for _ in range(repeat):
        after_a_write()  # not timed: only the page request after it
        runs.append(timed(lambda: get(admin, team), 1)[0])
    rows.append(("page: team, admin, first after a write", statistics.median(runs), max(runs)))
    get(admin, team)
    rows.append(("page: team, admin, warm", *timed(lambda: get(admin, team), repeat)))
    get(boss, team)
    rows.append(("page: team, manager, warm", *timed(lambda: get(boss, team), repeat)))
    get(me, "/coaching/me")
    rows.append(("page: rep's own, warm", *timed(lambda: get(me, "/coaching/me"), repeat)))
    person = f"/coaching/people/{rep}"
    get(admin, person)
    rows.append(("page: a person's, admin, warm", *timed(lambda: get(admin, person), repeat)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reps", type=int, default=60)
    args = parser.parse_args()
    print(f"| backend | step | median s | max s |  (demo company, {args.reps} reps, as of {AS_OF})")
    print("|---|---|---:|---:|")
    for backend in args.backend:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
                store.upgrade()
                rows = measure(store, args.reps, args.repeat)
                store.dispose()
        else:
            reason = postgres_unavailable_reason(POSTGRES)
            if reason:
                print(f"| postgres | skipped: {reason} | | |")
                continue
            sandbox = PostgresSandbox.create(POSTGRES, f"attain_coaching_bench_{uuid.uuid4().hex[:8]}")
            try:
                store = sandbox.store_in_schema("bench")
                store.upgrade()
                rows = measure(store, args.reps, args.repeat)
                store.dispose()
            finally:
                sandbox.drop()
        for step, median, worst in rows:
            print(f"| {backend} | {step} | {median:.3f} | {worst:.3f} |", flush=True)


if __name__ == "__main__":
    main()
