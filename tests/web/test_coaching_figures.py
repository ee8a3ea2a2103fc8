"""The coaching team page's cached figures: the company's recommendations and overdue items, computed once per
data version, cut to each viewer exactly as the use cases answer them directly; no viewer's cut reaches
another; a coaching write shows on the page it redirects to, and an order import on the next request."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from attain.app.coaching.access import Viewer
from attain.app.coaching.followup import ItemFilter, follow_up
from attain.app.coaching.nudges import plan_nudges
from attain.app.coaching.recommendations import recommendations
from attain.app.imports.batch import Batch
from attain.app.imports.load import load_batch
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app
from attain.web.coaching_figures import overdue_items, team_recommendations
from attain.web.figures import FigureCache
from tests.coaching_company import PASSWORD, TODAY
from tests.web.test_coaching_pages import Coached, coached, csrf

__all__ = ["coached"]  # the fixture, shared with the coaching page tests

QUARTER = "FY2025-Q2"
TEAM = f"/coaching/team?period={QUARTER}"


def _app(store: SqlStore, stamp_seconds: float) -> FastAPI:
    app = create_app(store, secret_key="coaching-figures-tests")
    app.state.today = TODAY
    # How long a read of the data version is trusted decides when a write made elsewhere is seen.
    app.state.figures = FigureCache(store, stamp_seconds=stamp_seconds)
    return app


def _client(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token
    signed = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    return client


def _body(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return re.sub(r'(name="csrf(?:-token)?" (?:content|value)=)"[^"]+"', r'\1"-"', page.text)


def _reps(body: str) -> set[int]:
    return {int(r) for r in re.findall(r'data-rep="(\d+)"', body)}


def _items(body: str) -> set[int]:
    return {int(i) for i in re.findall(r'data-item="(\d+)"', body)}


def test_the_cut_of_the_cached_figures_is_what_each_viewer_gets_directly(coached: Coached) -> None:
    store, c = coached.store, coached.company
    request = Request({"type": "http", "app": _app(store, 3600.0), "headers": []})
    cs = SqlCoachingStore(store)
    viewers = [c.admin, c.manager, c.other_manager, c.rep, c.other_rep, Viewer("finance", ("finance",), None)]
    for viewer in viewers * 2:  # the second round is answered from the cache
        direct = recommendations(
            cs, AnalyticsKpis(store), viewer, period=QUARTER, today=TODAY, nudges=plan_nudges(cs)
        )
        assert team_recommendations(request, viewer, period=QUARTER, today=TODAY) == direct
        overdue = follow_up(cs, AnalyticsKpis(store), viewer, today=TODAY, which=ItemFilter.OVERDUE)
        assert overdue_items(request, viewer, today=TODAY) == overdue
    figures = request.app.state.figures
    assert figures.peek(("coaching", "recommendations", QUARTER, TODAY)) is not None
    # The case is not empty: Mia's at-risk reps and Ann's overdue item are there; Ned sees neither.
    mia = team_recommendations(request, c.manager, period=QUARTER, today=TODAY)
    assert {r.person.id for r in mia} == {c.ann, c.cat}
    assert [
        r.person.id for r in team_recommendations(request, c.other_manager, period=QUARTER, today=TODAY)
    ] == [c.dan]
    assert [f.item.id for f in overdue_items(request, c.manager, today=TODAY)] == [coached.item]
    assert overdue_items(request, c.other_manager, today=TODAY) == []


def test_the_cached_page_equals_the_page_of_a_fresh_app_and_holds_no_one_elses_reps(coached: Coached) -> None:
    c = coached.company
    warm = _app(coached.store, 3600.0)
    admin = _body(_client(warm, "admin"), TEAM)  # fills the cache with the whole company
    assert _reps(admin) == {c.ann, c.cat, c.dan}
    mia, ned = _client(warm, "mia"), _client(warm, "ned")
    for _ in range(2):
        mine = _body(mia, TEAM)
        assert _reps(mine) == {c.ann, c.cat}
        assert _items(mine) == {coached.item}
        theirs = _body(ned, TEAM)
        assert _reps(theirs) == {c.dan}
        assert _items(theirs) == set()
    fresh = _app(coached.store, 3600.0)
    assert _body(_client(fresh, "mia"), TEAM) == mine
    assert _body(_client(fresh, "ned"), TEAM) == theirs


def test_an_item_closed_on_the_page_leaves_the_overdue_list_at_once(coached: Coached) -> None:
    # The data version is trusted for an hour: only the form's own fresh read can show the change.
    mia = _client(_app(coached.store, 3600.0), "mia")
    assert coached.item in _items(_body(mia, TEAM))
    done = mia.post(
        f"/coaching/items/{coached.item}/status",
        data={"csrf": csrf(mia, TEAM), "status": "done"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert coached.item not in _items(_body(mia, TEAM))


def test_an_order_import_takes_a_rep_off_the_recommendations(coached: Coached) -> None:
    c = coached.company
    mia = _client(_app(coached.store, 0.0), "mia")
    assert c.cat in _reps(_body(mia, TEAM))  # Cat at 0.91 of her pace: at risk
    order = pl.DataFrame(
        {
            "external_id": ["O-CAT-BIG"],
            "booked_on": [date(2025, 5, 10)],
            "owner": ["cat"],
            "amount": [60_000_00],
            "currency": ["USD"],
            "kind": ["new"],
        }
    )
    batch = Batch("coaching-figures-test")
    batch.add("order", order.with_columns(_source=pl.lit("orders.csv"), _row=pl.int_range(2, 3)))
    load_batch(coached.store, batch, actor="test")
    after = _body(mia, TEAM)
    assert c.cat not in _reps(after)
    assert c.ann in _reps(after)
