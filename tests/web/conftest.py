"""A small org for web tests: two teams, a manager with two reps, a rep elsewhere, one login per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from attain.app.setup import init_company
from attain.app.users import create_user
from attain.store import models as m
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app

PASSWORD = "web-test-password"


@dataclass
class Org:
    store: SqlStore
    ids: dict[str, int]  # person ids: boss, ann (boss's rep), ben (boss's rep), cat (other team)


@pytest.fixture
def org(sqlite_store: SqlStore) -> Org:
    return build_org(sqlite_store)


def build_org(sqlite_store: SqlStore) -> Org:
    # A calendar, so the KPI routes answer with (empty) figures rather than "no fiscal calendar".
    init_company(sqlite_store, first_fy=2025, last_fy=2027)
    with sqlite_store.transaction() as tx:
        s = tx.session
        people = {n: m.Person(external_id=n, name=n.title()) for n in ("boss", "ann", "ben", "cat", "cal")}
        s.add_all(people.values())
        s.flush()
        ids = {n: p.id for n, p in people.items()}
        start = date(2020, 1, 1)
        s.add_all(
            [
                m.Assignment(person_id=ids["boss"], role="manager", valid_from=start),
                m.Assignment(person_id=ids["cal"], role="manager", valid_from=start),
                m.Assignment(person_id=ids["ann"], role="rep", manager_id=ids["boss"], valid_from=start),
                m.Assignment(person_id=ids["ben"], role="rep", manager_id=ids["boss"], valid_from=start),
                m.Assignment(person_id=ids["cat"], role="rep", manager_id=ids["cal"], valid_from=start),
            ]
        )
    logins = {
        "admin": ("admin", None),
        "compadmin": ("comp_admin", None),
        "finance": ("finance", None),
        "viewer": ("viewer", None),
        "boss": ("manager", ids["boss"]),
        "ann": ("rep", ids["ann"]),
    }
    for username, (role, person_id) in logins.items():
        create_user(sqlite_store, username, PASSWORD, [role], person_id=person_id)
    return Org(sqlite_store, ids)


def signed_in(store: SqlStore, username: str, app: FastAPI | None = None) -> TestClient:
    """A client signed in as `username` on a new app over `store`, or on `app` (sharing its memory)."""
    client = TestClient(app or create_app(store, secret_key="web-tests"))
    page = client.get("/login").text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    # Signing in starts a fresh session with a new CSRF token; pages carry it in a meta tag.
    home = client.get("/").text
    client.headers["X-CSRF-Token"] = home.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return client
