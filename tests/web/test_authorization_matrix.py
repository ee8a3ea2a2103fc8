"""Every API route x every role x own/other person's resource, generated from the route table.

A route without a guard rule fails here, so no endpoint can ship unguarded by accident.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from attain.store.unit_of_work import open_store
from attain.web.app import create_app
from attain.web.authz import api_routes as all_api_routes
from attain.web.authz import rule_of
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import PERIOD, add_pay
from tests.web.whatif_org import add_open_deals

ROLE_LOGINS = {
    "admin": "admin",
    "comp_admin": "compadmin",
    "finance": "finance",
    "viewer": "viewer",
    "manager": "boss",
    "rep": "ann",
}
# Whether each login may see a rep outside their own reach: org-wide roles yes, manager and rep no.
SEES_OTHER_TEAM = {
    "admin": True,
    "comp_admin": True,
    "finance": True,
    "viewer": True,
    "manager": False,
    "rep": False,
}
# Request bodies for routes that need one; a new writing route adds its body here.
BODIES = {
    ("POST", "/api/v1/tokens"): {"name": "matrix", "scopes": ["read"]},
    ("POST", "/api/v1/runs"): {"period": PERIOD, "engine": "reference"},
    ("POST", "/api/v1/adjustments"): {
        "person_id": 999_999,
        "period": PERIOD,
        "amount": "10",
        "reason": "matrix",
        "approver": "matrix",
    },
    ("POST", "/api/v1/people/{person_id}/inquiries"): {"period": PERIOD, "question": "matrix"},
    ("POST", "/api/v1/inquiries/{inquiry_id}/answer"): {"text": "matrix"},
    ("POST", "/api/v1/inquiries/{inquiry_id}/resolve"): {"text": "matrix"},
    ("POST", "/api/v1/forecasts/{period}/submissions"): {
        "week": 1,
        "commit": 100,
        "best_case": 200,
        "pipeline": 300,
    },
    ("POST", "/api/v1/forecasts/{period}/overrides"): {
        "subject_id": 999_999,
        "week": 1,
        "commit": 100,
        "best_case": 200,
        "pipeline": 300,
        "note": "matrix",
    },
    ("POST", "/api/v1/forecasts/{period}/snapshots"): {"week": 1},
}
# Other path parameters of a route about a person, so that it can answer 200 (the rest get 999999).
PATH_VALUES = {"period": PERIOD}
# Query parameters a route needs to answer 200: the what-if asks about ann's open deal, whose owner is in the
# reach of every role that may see the person asked about.
QUERIES = {("GET", "/api/v1/people/{person_id}/whatif"): {"opportunity": "OPP-M1"}}


@cache
def api_routes() -> tuple[APIRoute, ...]:
    store = open_store("sqlite://")
    app = create_app(store)
    store.dispose()
    routes = tuple(r for r in all_api_routes(app) if r.path.startswith("/api/"))
    assert len(routes) >= 7, "the route table looks empty: the matrix would test nothing"
    return routes


def test_every_api_route_declares_a_guard_rule() -> None:
    unguarded = [f"{sorted(r.methods)} {r.path}" for r in api_routes() if rule_of(r) is None]
    assert unguarded == []


CASES = [
    (method, route.path, role)
    for route in api_routes()
    for method in sorted(route.methods - {"HEAD"})
    for role in [*ROLE_LOGINS, "anonymous"]
]


@pytest.fixture(scope="module")
def shared_org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """One org for the whole matrix, with a run of FY2025-Q1 so statements exist: the cases read, or write
    what nobody else looks at (tokens, inquiries, another run of the same facts)."""
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'attain.db'}")
    store.upgrade()
    org = build_org(store)
    add_pay(org)
    add_open_deals(org)
    return org


@pytest.fixture(scope="module")
def clients(shared_org: Org) -> dict[str, TestClient]:
    """One app for the whole matrix, as a server is: each role signs in once, and what the app keeps in
    memory (the forecasts' fits, the dashboards' figures) is shared between the cases as between users."""
    app = create_app(shared_org.store, secret_key="web-tests")
    out = {role: signed_in(shared_org.store, login, app) for role, login in ROLE_LOGINS.items()}
    out["anonymous"] = TestClient(app)
    return out


@pytest.mark.parametrize(("method", "path", "role"), CASES)
def test_route_allows_exactly_what_its_rule_says(
    shared_org: Org, clients: dict[str, TestClient], method: str, path: str, role: str
) -> None:
    org = shared_org
    route = next(r for r in api_routes() if r.path == path and method in r.methods)
    rule = rule_of(route)
    assert rule is not None
    client = clients[role]
    # "own": a rep the manager leads (and the rep themself); "other": a rep in another team.
    targets = {"own": org.ids["ann"], "other": org.ids["cat"]} if rule.subject else {"none": 0}
    for which, person_id in targets.items():
        url = path
        for param in re.findall(r"{(\w+)}", path):
            value = person_id if param == rule.subject else PATH_VALUES.get(param, 999_999)
            url = url.replace("{" + param + "}", str(value if rule.subject else 999_999))
        response = client.request(
            method, url, json=BODIES.get((method, path)), params=QUERIES.get((method, path))
        )
        status = response.status_code
        context = (method, url, role, response.text[:200])
        if rule.public:
            assert status < 400, context
        elif role == "anonymous":
            assert status == 401, context
        elif role not in rule.roles:
            assert status == 403, context
        elif which == "other" and not SEES_OTHER_TEAM[role]:
            assert status == 404, context
        elif which in ("own", "other"):
            assert status in (200, 201), context
        else:
            assert status not in (401, 403), context
            assert status < 500, context


def test_manager_sees_only_their_subtree_and_rep_only_themself(org: Org) -> None:
    boss = signed_in(org.store, "boss").get("/api/v1/people").json()
    assert sorted(p["name"] for p in boss) == ["Ann", "Ben", "Boss"]
    ann = signed_in(org.store, "ann").get("/api/v1/people").json()
    assert [p["name"] for p in ann] == ["Ann"]
    admin = signed_in(org.store, "admin").get("/api/v1/people").json()
    assert len(admin) == 5
