"""API tokens: shown once, hashed at rest, scoped, revocable; cookie writes need the CSRF header."""

from __future__ import annotations

from fastapi.testclient import TestClient

from attain.store import models as m
from attain.web.app import create_app
from tests.web.conftest import Org, signed_in


def test_token_is_shown_once_stored_hashed_and_authenticates(org: Org) -> None:
    client = signed_in(org.store, "ann")
    created = client.post("/api/v1/tokens", json={"name": "laptop", "scopes": ["read"]})
    assert created.status_code == 201
    token = created.json()["token"]
    assert token.startswith("att_")
    with org.store.transaction() as tx:
        stored = [row.token_hash for row in tx.session.query(m.ApiToken)]
    assert stored
    assert token not in stored
    api = TestClient(create_app(org.store))
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "ann"
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None


def test_read_token_cannot_write_and_revoked_token_stops_working(org: Org) -> None:
    client = signed_in(org.store, "ann")
    token = client.post("/api/v1/tokens", json={"name": "ro", "scopes": ["read"]}).json()
    api = TestClient(create_app(org.store))
    bearer = {"Authorization": f"Bearer {token['token']}"}
    refused = api.post("/api/v1/tokens", json={"name": "x", "scopes": ["read"]}, headers=bearer)
    assert refused.status_code == 403
    assert client.delete(f"/api/v1/tokens/{token['id']}").status_code == 204
    assert api.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(org: Org) -> None:
    ann = signed_in(org.store, "ann")
    token = ann.post("/api/v1/tokens", json={"name": "mine", "scopes": ["read"]}).json()
    boss = signed_in(org.store, "boss")
    assert boss.delete(f"/api/v1/tokens/{token['id']}").status_code == 404


def test_cookie_session_writes_need_the_csrf_header(org: Org) -> None:
    client = signed_in(org.store, "ann")
    del client.headers["X-CSRF-Token"]
    response = client.post("/api/v1/tokens", json={"name": "x", "scopes": ["read"]})
    assert response.status_code == 403
    assert "X-CSRF-Token" in response.text


def test_unknown_scope_is_a_clear_422(org: Org) -> None:
    response = signed_in(org.store, "ann").post("/api/v1/tokens", json={"name": "x", "scopes": ["root"]})
    assert response.status_code == 422
    assert response.json()["detail"]["message"] == "unknown or missing token scopes ['root']"


def test_garbage_bearer_token_is_refused(org: Org) -> None:
    api = TestClient(create_app(org.store))
    assert api.get("/api/v1/me", headers={"Authorization": "Bearer att_nope"}).status_code == 401
