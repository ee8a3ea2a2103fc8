"""In a real browser: a manager schedules a one-to-one for an at-risk rep from the recommendation,
records shared and private notes, an action item and feedback; the rep sees the item, the notes and
the feedback but not the private notes; another rep finds nothing, even with the session's address."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from attain.app.coaching.skills import load_default_framework
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from attain.web.app import create_app
from tests.coaching_company import PASSWORD, TODAY, build_company
from tests.e2e.conftest import LiveServer, _free_port


@pytest.fixture
def coaching_server(sqlite_store: SqlStore) -> Iterator[LiveServer]:
    company = build_company(sqlite_store)
    load_default_framework(SqlCoachingStore(sqlite_store), company.admin, AnalyticsKpis(sqlite_store))
    app = create_app(sqlite_store, secret_key="e2e")
    app.state.today = TODAY  # the company's figures are dated around 2025-05-15
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start within 10 s")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", sqlite_store)
    server.should_exit = True
    thread.join(timeout=10)


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    # Home sends each role on to its main page (/me, /team, /company), so wait for leaving sign-in.
    page.wait_for_url(lambda url: url.startswith(base) and not url.endswith("/login"))


def sign_out(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.click("text=Sign out")
    page.wait_for_url(base + "/login")


def test_coaching_flow_in_the_browser(coaching_server: LiveServer, page) -> None:  # type: ignore[no-untyped-def]
    base = coaching_server.url
    sign_in(page, base, "mia")
    page.goto(base + "/coaching/team?period=FY2025-Q2")
    ann_row = page.locator("tr[data-rep]", has_text="Ann Rep")
    assert "off track" in ann_row.inner_text()
    assert "focus on prospecting" in ann_row.locator(".reason").inner_text()
    ann_row.locator("input[name=held_on]").fill("2025-05-16")
    ann_row.locator("button", has_text="Schedule").click()
    page.wait_for_url(base + "/coaching/sessions/*")
    session_url = page.url
    assert page.locator("h1").inner_text() == "One to one with Ann Rep"

    page.fill("textarea[name=notes]", "We agreed a prospecting plan.")
    page.fill("textarea[name=private_notes]", "Ann looks discouraged.")
    page.click("text=Save notes")
    page.wait_for_url(session_url)
    assert page.locator("[data-private-notes]").inner_text() == "Ann looks discouraged."

    page.fill("input[name=title]", "Raise win rate on mid-market deals")
    page.fill("input[name=due_on]", "2025-06-30")
    page.fill("input[name=metric]", "win_rate")
    page.fill("input[name=target]", "30%")
    page.click("text=Add item")
    page.wait_for_url(session_url)
    assert "Raise win rate on mid-market deals" in page.locator("[data-item]").inner_text()

    page.fill("input[name=summary]", "Great rapport with buyers.")
    page.click("text=Give feedback")
    page.wait_for_url(session_url)
    sign_out(page, base)

    sign_in(page, base, "ann")
    page.goto(base + "/coaching/me")
    assert (
        "Raise win rate on mid-market deals" in page.locator("table[aria-label='Action items']").inner_text()
    )
    assert "Great rapport with buyers." in page.content()
    page.goto(session_url)
    assert page.locator("[data-notes]").inner_text() == "We agreed a prospecting plan."
    assert "discouraged" not in page.content()
    sign_out(page, base)

    sign_in(page, base, "dan")
    page.goto(base + "/coaching/me")
    assert "Raise win rate" not in page.content()
    assert "Great rapport" not in page.content()
    page.goto(session_url)
    assert page.locator("h1").inner_text() == "Not found"
    assert "prospecting plan" not in page.content()
