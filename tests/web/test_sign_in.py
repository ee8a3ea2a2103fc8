"""Sign-in, sign-out, CSRF, throttling and security headers of the web app."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from attain.app.users import create_user
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def client(sqlite_store: SqlStore) -> TestClient:
    create_user(sqlite_store, "ria", PASSWORD, ["rep"])
    return TestClient(create_app(sqlite_store, secret_key="test-secret"))


def _csrf(client: TestClient) -> str:
    page = client.get("/login").text
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _sign_in(client: TestClient, password: str = PASSWORD, csrf: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf if csrf is not None else _csrf(client)
    return client.post(
        "/login", data={"username": "Ria", "password": password, "csrf": token}, follow_redirects=False
    )


def test_home_redirects_to_sign_in_when_signed_out(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_sign_in_then_home_shows_the_user_and_the_fact_counts(client: TestClient) -> None:
    response = _sign_in(client)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, ria" in home.text
    assert 'data-table="opportunities">0<' in home.text
    assert client.get("/api/v1/me").json() == {"username": "ria", "roles": ["rep"], "person_id": None}


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client: TestClient) -> None:
    response = _sign_in(client, password="not the password")
    assert response.status_code == 401
    assert "Wrong username or password." in response.text
    assert client.get("/api/v1/me").status_code == 401


def test_a_form_without_the_session_csrf_token_is_refused(client: TestClient) -> None:
    _csrf(client)
    response = _sign_in(client, csrf="forged-token")
    assert response.status_code == 400
    assert client.get("/api/v1/me").status_code == 401


def test_five_failures_block_further_attempts_even_with_the_right_password(client: TestClient) -> None:
    for _ in range(5):
        assert _sign_in(client, password="wrong password!").status_code == 401
    assert _sign_in(client).status_code == 429


def test_sign_out_ends_the_session(client: TestClient) -> None:
    _sign_in(client)
    token = _csrf(client)
    client.post("/logout", data={"csrf": token})
    assert client.get("/api/v1/me").status_code == 401


def test_pages_carry_security_headers(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"


def test_api_summary_needs_a_signed_in_user(client: TestClient) -> None:
    assert client.get("/api/v1/summary").status_code == 401
    _sign_in(client)
    counts = client.get("/api/v1/summary").json()["counts"]
    assert counts["people"] == 0
    assert "users" not in counts
