"""In a real browser: signing in lands on the home page with the company's figures; sign-out works."""

from __future__ import annotations

from attain.app.users import create_user
from tests.e2e.conftest import LiveServer


def test_user_signs_in_sees_home_and_signs_out(live_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    # A rep not linked to a person has no page of their own, so signing in lands on the plain home page
    # (comp admins land on their runs page).
    create_user(live_server.store, "ops", "ops-password-1", ["rep"])
    page.goto(live_server.url + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "ops")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Wrong username or password."
    page.fill("input[name=username]", "ops")
    page.fill("input[name=password]", "ops-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Welcome, ops"
    assert page.locator("td[data-table=people]").inner_text() == "0"
    page.click("text=Sign out")
    page.wait_for_url(live_server.url + "/login")
