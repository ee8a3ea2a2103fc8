"""The rendered-page cache: a repeated request is served without rendering, never to another user or
session, a data change renders afresh, and a matching If-None-Match gets a 304."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from attain.store.unit_of_work import SqlStore
from attain.web.page_cache import PageCache, Rendered, matches
from tests.dashboard_company import DemoCompany, build_demo_company, dashboard_app, sign_in
from tests.web.conftest import build_org, signed_in
from tests.web.pay_org import PERIOD, add_pay


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCompany]:
    built = build_demo_company(tmp_path_factory.mktemp("page-cache") / "attain.db")
    yield built
    built.store.dispose()


@pytest.fixture
def app(company: DemoCompany) -> FastAPI:
    return dashboard_app(company.store)  # a new app per test: an empty cache


def renders(app: FastAPI) -> int:
    return int(app.state.page_cache.renders)


def csrf_of(html: str) -> str:
    return html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def test_a_repeated_request_is_served_without_rendering(app: FastAPI) -> None:
    manager = sign_in(app, "manager")
    first = manager.get("/team?kpis.sort=revenue")
    assert renders(app) == 1
    again = manager.get("/team?kpis.sort=revenue")
    assert (renders(app), app.state.page_cache.hits) == (1, 1)
    assert again.status_code == 200
    assert again.text == first.text
    assert again.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"].startswith('W/"')
    assert again.headers["content-security-policy"] == first.headers["content-security-policy"]
    manager.get("/team?kpis.sort=name")  # another URL is another page
    assert renders(app) == 2


def test_each_user_and_each_session_gets_their_own_page(app: FastAPI) -> None:
    admin, viewer = sign_in(app, "admin"), sign_in(app, "viewer")
    one, other = sign_in(app, "manager"), sign_in(app, "manager")
    pages = {
        name: c.get("/team")
        for name, c in (("admin", admin), ("viewer", viewer), ("one", one), ("other", other))
    }
    assert renders(app) == 4
    assert "admin · admin" in pages["admin"].text
    assert "viewer · viewer" in pages["viewer"].text
    assert "All reps" in pages["admin"].text
    assert "All reps" not in pages["one"].text
    # Two sessions of one user: each page carries its own session's CSRF token, which its forms post back.
    assert csrf_of(pages["one"].text) != csrf_of(pages["other"].text)
    assert len({p.headers["etag"] for p in pages.values()}) == 4
    assert other.get("/team").text == pages["other"].text
    assert renders(app) == 4
    assert other.get("/team", headers={"If-None-Match": pages["one"].headers["etag"]}).status_code == 200
    signed_out = other.post("/logout", data={"csrf": csrf_of(pages["other"].text)}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert other.get("/team", follow_redirects=False).status_code == 303  # to sign-in, not the kept page


def test_a_matching_if_none_match_gets_a_304_without_a_body(app: FastAPI) -> None:
    rep = sign_in(app, "rep")
    page = rep.get("/me")
    etag = page.headers["etag"]
    unchanged = rep.get("/me", headers={"If-None-Match": f'"other", {etag}'})
    assert (unchanged.status_code, unchanged.content, unchanged.headers["etag"]) == (304, b"", etag)
    assert unchanged.headers["x-frame-options"] == "DENY"
    assert rep.get("/me", headers={"If-None-Match": 'W/"stale"'}).status_code == 200
    assert renders(app) == 1


def test_pages_that_fail_are_not_kept(app: FastAPI, company: DemoCompany) -> None:
    rep = sign_in(app, "rep")
    assert rep.get(f"/people/{company.stranger.id}").status_code == 404
    assert rep.get("/team").status_code == 403
    assert rep.get("/team", headers={"If-None-Match": "*"}).status_code == 403
    assert "etag" not in rep.get("/team").headers
    assert len(app.state.page_cache) == 0


def test_a_data_change_renders_the_statement_afresh(sqlite_store: SqlStore) -> None:
    org = build_org(sqlite_store)
    add_pay(org)
    url = f"/statements/{org.ids['ann']}/{PERIOD}"
    app = signed_in(org.store, "ann").app
    ann, boss = signed_in(org.store, "ann", app), signed_in(org.store, "boss", app)  # type: ignore[arg-type]
    rendered = renders(app)  # type: ignore[arg-type]
    before = ann.get(url)
    assert ann.get(url).text == before.text
    assert renders(app) == rendered + 1
    asked = boss.post(
        f"{url}/inquiries",
        data={"csrf": boss.headers["X-CSRF-Token"], "line": "1", "question": "Is line 1 right?"},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    app.state.pages.refresh_stamp()  # what the background refresher does within a second
    after = ann.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert "Is line 1 right?" in after.text
    assert after.headers["etag"] != before.headers["etag"]
    assert renders(app) == rendered + 2  # type: ignore[arg-type]


def test_a_one_time_notice_is_shown_once_and_never_kept(sqlite_store: SqlStore) -> None:
    org = build_org(sqlite_store)
    add_pay(org)
    url = f"/statements/{org.ids['ann']}/{PERIOD}"
    ann: TestClient = signed_in(org.store, "ann")
    ann.get(url)
    ann.post(
        f"{url}/inquiries",
        data={"csrf": ann.headers["X-CSRF-Token"], "line": "2", "question": "Was O2 a renewal?"},
        follow_redirects=False,
    )
    ann.app.state.pages.refresh_stamp()  # type: ignore[attr-defined]
    assert "Inquiry 1 raised" in ann.get(url).text
    shown_again = ann.get(url).text
    assert "Inquiry 1 raised" not in shown_again
    assert "Was O2 a renewal?" in shown_again


def test_the_cache_is_bounded_and_holds_one_data_version() -> None:
    cache = PageCache(max_bytes=250, max_entries=3)
    page = Rendered(b"x" * 100, "text/html", 'W/"a"')
    for n in range(3):
        cache.put(("page", n), 7, page)
    assert len(cache) == 2
    assert cache.size_bytes == 200
    assert cache.get(("page", 0), 7) is None
    assert cache.get(("page", 2), 7) == page
    cache.put(("page", 3), 6, page)  # rendered from older data: not kept
    assert cache.get(("page", 3), 6) is None
    cache.put(("page", 4), 8, page)  # a new data version drops every older page
    assert len(cache) == 1
    assert cache.get(("page", 2), 7) is None
    assert cache.get(("page", 4), 8) == page


def test_if_none_match_compares_weakly_takes_lists_and_not_any() -> None:
    assert matches('W/"abc"', 'W/"abc"')
    assert matches('"abc"', 'W/"abc"')
    assert matches('"x", W/"abc"', 'W/"abc"')
    assert not matches("*", 'W/"abc"')  # any tag: not taken, it would skip the route's admission
    assert not matches('W/"abd"', 'W/"abc"')
    assert not matches(None, 'W/"abc"')
    assert not matches("", 'W/"abc"')
