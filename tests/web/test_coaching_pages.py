"""Coaching pages: a rep sees their own items and shared feedback, never a private note or another
rep's records, not even by putting ids in URLs; a manager sees their team's overdue items with the
metric's movement, the at-risk reps with recommendations, and schedules a session from one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from attain.app.coaching.feedback import give_feedback
from attain.app.coaching.sessions import add_action_item, record_session, schedule_session
from attain.app.users import create_user
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app
from tests.coaching_company import PASSWORD, TODAY, Company, build_company


@dataclass
class Coached:
    store: SqlStore
    company: Company
    session: int
    item: int
    shared: int
    private: int


@pytest.fixture
def coached(sqlite_store: SqlStore) -> Coached:
    c = build_company(sqlite_store)
    cs, kpis = SqlCoachingStore(sqlite_store), AnalyticsKpis(sqlite_store)
    session = schedule_session(
        cs,
        c.manager,
        rep_id=c.ann,
        kind="one_to_one",
        held_on=date(2025, 4, 1),
        topic="Quarter start",
        today=date(2025, 4, 1),
    )
    record_session(
        cs,
        c.manager,
        session.id,
        today=date(2025, 4, 1),
        notes="Shared plan for Q2",
        private_notes="PRIVATE-NOTE-TEXT",
    )
    item = add_action_item(
        cs,
        c.manager,
        kpis,
        owner_id=c.ann,
        session_id=session.id,
        title="Win rate to 28%",
        due_on=date(2025, 5, 1),
        today=date(2025, 4, 1),
        metric="win_rate",
        target=Decimal("0.28"),
    )
    shared = give_feedback(
        cs,
        c.manager,
        subject_id=c.ann,
        visibility="shared",
        summary="SHARED-FEEDBACK-TEXT",
        points=[],
        today=date(2025, 4, 1),
        session_id=session.id,
    )
    private = give_feedback(
        cs,
        c.manager,
        subject_id=c.ann,
        visibility="private",
        summary="PRIVATE-FEEDBACK-TEXT",
        points=[],
        today=date(2025, 4, 1),
    )
    return Coached(sqlite_store, c, session.id, item.id, shared.id, private.id)


def client_for(store: SqlStore, username: str | None) -> TestClient:
    app = create_app(store, secret_key="coaching-tests")
    app.state.today = TODAY
    client = TestClient(app)
    if username is not None:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf": token.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303
    return client


def csrf(client: TestClient, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found
    return found.group(1)


def test_the_rep_sees_their_items_and_shared_feedback_but_no_private_note(coached: Coached) -> None:
    ann = client_for(coached.store, "ann")
    page = ann.get("/coaching/me")
    assert page.status_code == 200
    assert f'data-item="{coached.item}"' in page.text
    assert 'data-overdue="14"' in page.text
    assert "SHARED-FEEDBACK-TEXT" in page.text
    assert "Shared plan for Q2" in page.text
    assert "PRIVATE" not in page.text
    session = ann.get(f"/coaching/sessions/{coached.session}")
    assert session.status_code == 200
    assert "Shared plan for Q2" in session.text
    assert "PRIVATE" not in session.text
    assert "data-private-notes" not in session.text
    assert ann.get(f"/coaching/feedback/{coached.shared}").status_code == 200
    hidden = ann.get(f"/coaching/feedback/{coached.private}")
    assert hidden.status_code == 404
    assert "PRIVATE" not in hidden.text


@pytest.mark.parametrize("login", ["dan", "ned", "bob"])
def test_other_people_see_none_of_it_even_with_the_ids(coached: Coached, login: str) -> None:
    other = client_for(coached.store, login)
    for url in (
        f"/coaching/sessions/{coached.session}",
        f"/coaching/feedback/{coached.shared}",
        f"/coaching/feedback/{coached.private}",
        f"/coaching/people/{coached.company.ann}",
    ):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "TEXT" not in response.text
    mine = other.get("/coaching/me")
    assert "SHARED-FEEDBACK-TEXT" not in mine.text
    assert f'data-item="{coached.item}"' not in mine.text
    token = csrf(other, "/coaching/me")
    closed = other.post(f"/coaching/items/{coached.item}/status", data={"csrf": token, "status": "done"})
    assert closed.status_code == 404


def test_the_manager_sees_overdue_items_with_movement_and_at_risk_reps(coached: Coached) -> None:
    mia = client_for(coached.store, "mia")
    page = mia.get("/coaching/team", params={"period": "FY2025-Q2"})
    assert page.status_code == 200
    row = page.text.split(f'data-item="{coached.item}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-overdue="14"' in row
    assert re.search(r"data-baseline>20%<", row)
    assert re.search(r"data-current>25%<", row)
    assert re.search(r"data-target>28%<", row)
    assert re.search(r"data-progress>62%<", row)
    assert f'data-rep="{coached.company.ann}"' in page.text
    assert f'data-rep="{coached.company.cat}"' in page.text
    assert f'data-rep="{coached.company.bob}"' not in page.text
    session = mia.get(f"/coaching/sessions/{coached.session}")
    assert "PRIVATE-NOTE-TEXT" in session.text
    assert "PRIVATE-FEEDBACK-TEXT" in mia.get(f"/coaching/people/{coached.company.ann}").text


def test_the_manager_schedules_from_the_recommendation_and_adds_an_item(coached: Coached) -> None:
    mia = client_for(coached.store, "mia")
    token = csrf(mia, "/coaching/team?period=FY2025-Q2")
    made = mia.post(
        "/coaching/sessions/recommended",
        follow_redirects=False,
        data={
            "csrf": token,
            "rep_id": coached.company.cat,
            "period": "FY2025-Q2",
            "held_on": "2025-05-20",
            "kind": "one_to_one",
        },
    )
    assert made.status_code == 303
    location = made.headers["location"]
    assert re.fullmatch(r"/coaching/sessions/\d+", location)
    page = mia.get(location)
    assert "One to one with Cat Rep" in page.text
    assert "recommendation FY2025-Q2:" in page.text
    added = mia.post(
        f"{location}/items",
        follow_redirects=False,
        data={
            "csrf": token,
            "owner_id": coached.company.cat,
            "title": "Qualify harder",
            "due_on": "2025-06-15",
            "metric": "win_rate",
            "target": "60%",
        },
    )
    assert added.status_code == 303
    assert "Qualify harder" in mia.get(location).text
    forged = mia.post(f"{location}/record", data={"csrf": "forged", "notes": "x"})
    assert forged.status_code == 422
    assert "the form expired" in forged.text


def test_signed_out_visitors_go_to_sign_in_and_comp_admins_see_no_coaching(coached: Coached) -> None:
    anonymous = client_for(coached.store, None)
    response = anonymous.get("/coaching/me", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    create_user(coached.store, "ops", PASSWORD, ["comp_admin"])
    ops = client_for(coached.store, "ops")
    assert ops.get(f"/coaching/people/{coached.company.ann}").status_code == 404
    assert ops.get(f"/coaching/sessions/{coached.session}").status_code == 404
    admin = client_for(coached.store, "admin")
    assert "PRIVATE-NOTE-TEXT" in admin.get(f"/coaching/sessions/{coached.session}").text


def test_the_api_applies_the_same_visibility(coached: Coached) -> None:
    ann_id = coached.company.ann
    ann = client_for(coached.store, "ann")
    assert [f["id"] for f in ann.get(f"/api/v1/people/{ann_id}/feedback").json()] == [coached.shared]
    [session] = ann.get(f"/api/v1/people/{ann_id}/coaching-sessions").json()
    assert (session["notes"], session["private_notes"]) == ("Shared plan for Q2", "")
    [item] = ann.get(f"/api/v1/people/{ann_id}/action-items").json()
    assert (item["id"], item["movement"]["metric"], item["movement"]["baseline"]) == (
        coached.item,
        "win_rate",
        "0.2",
    )
    assert ann.get("/api/v1/coaching/recommendations").status_code == 403
    dan = client_for(coached.store, "dan")
    assert dan.get(f"/api/v1/people/{ann_id}/feedback").status_code == 404
    mia = client_for(coached.store, "mia")
    assert {f["id"] for f in mia.get(f"/api/v1/people/{ann_id}/feedback").json()} == {
        coached.shared,
        coached.private,
    }
    # The API answers for the real today, after FY2025-Q2 ended: the full quarter's attainment counts.
    recs = mia.get("/api/v1/coaching/recommendations", params={"period": "FY2025-Q2"}).json()
    assert [(r["person"], r["attainment"]) for r in recs] == [("ann", "0.3"), ("cat", "0.45"), ("bob", "0.6")]


def test_only_an_admin_sets_up_skills_and_courses(coached: Coached) -> None:
    admin = client_for(coached.store, "admin")
    token = csrf(admin, "/coaching/setup")
    made = admin.post(
        "/coaching/setup/skills",
        follow_redirects=False,
        data={
            "csrf": token,
            "key": "negotiation",
            "name": "Negotiation",
            "metrics": "average_deal_size, win_rate",
        },
    )
    assert (made.status_code, made.headers["location"]) == (303, "/coaching/setup")
    admin.post(
        "/coaching/setup/courses",
        data={"csrf": token, "key": "NEG-1", "name": "Negotiating on value", "skills": "negotiation"},
    )
    page = admin.get("/coaching/setup").text
    assert 'data-skill="negotiation"' in page
    assert "average_deal_size, win_rate" in page
    assert 'data-course="NEG-1"' in page
    wrong = admin.post(
        "/coaching/setup/skills", data={"csrf": token, "key": "x", "name": "X", "metrics": "wins"}
    )
    assert wrong.status_code == 422
    assert "unknown metric" in wrong.text
    mia = client_for(coached.store, "mia")
    assert mia.get("/coaching/setup").status_code == 404
    assert (
        mia.post(
            "/coaching/setup/skills",
            data={"csrf": csrf(mia, "/coaching/team"), "key": "y", "name": "Y", "metrics": "win_rate"},
        ).status_code
        == 403
    )
