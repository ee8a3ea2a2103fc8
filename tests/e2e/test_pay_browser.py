"""In a real browser: a comp admin uploads orders with a bad row and sees the row error, fixes the file and
uploads it again, runs the quarter (progress polled until the results show); a rep raises an inquiry on a
statement line; the admin resolves it with an adjustment, runs again and closes the quarter; the rep sees
the resolution on their statement and gets a 404 on another rep's statement."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import LiveServer
from tests.web.conftest import PASSWORD, build_org
from tests.web.pay_org import PERIOD, set_up_pay

BAD_ORDERS = "external_id,booked_on,amount,owner\nO10,2025-02-01,2000.00,ben\nO11,2025-02-30,500.00,ann\n"


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/login")


def upload(page, base: str, file: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/admin/imports")
    page.get_by_label("Files", exact=True).set_input_files(str(file))
    page.get_by_label("Mapping", exact=True).select_option("attain-orders")
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#report")


def run_quarter(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/admin/runs")
    page.get_by_label("Period", exact=True).select_option(PERIOD)
    page.get_by_label("Engine", exact=True).select_option("reference")
    page.get_by_role("button", name="Run", exact=True).click()
    # The job page polls its progress with HTMX and follows the finished run to its results.
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit(), timeout=120_000)


def test_import_run_inquiry_resolve_and_close_in_the_browser(
    live_server: LiveServer, page, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    org = build_org(live_server.store)
    set_up_pay(org)
    ann, cat = org.ids["ann"], org.ids["cat"]

    sign_in(page, base, "compadmin")
    orders = tmp_path / "orders.csv"
    orders.write_text(BAD_ORDERS, encoding="utf-8")
    upload(page, base, orders)
    assert "Nothing was imported" in page.locator("#report [role=alert]").inner_text()
    error_row = page.locator("table.row-errors tbody tr")
    assert error_row.count() == 1
    cells = error_row.locator("td").all_inner_texts()
    assert cells[:4] == ["orders.csv", "3", "booked_on", "2025-02-30"]

    orders.write_text(BAD_ORDERS.replace("2025-02-30", "2025-02-28"), encoding="utf-8")
    upload(page, base, orders)
    assert page.locator("#report").get_attribute("data-import-status") == "committed"
    assert page.locator("tr[data-entity=order] td").nth(1).inner_text() == "2"

    run_quarter(page, base)
    assert page.locator("[data-run-status]").get_attribute("data-run-status") == "succeeded"
    ann_row = page.locator("#t-payees tbody tr", has_text="Ann")
    assert "775.00" in ann_row.inner_text()  # 5% of 10,000 + 5,000 + 500
    sign_out(page, base)

    sign_in(page, base, "ann")
    page.goto(f"{base}/statements/{ann}/{PERIOD}")
    line = page.locator("#line-3")
    assert "order O11, booked 2025-02-28" in line.inner_text()
    line.get_by_text("Ask about line 3").click()
    line.get_by_label("What looks wrong on line 3?").fill("O11 was 600, not 500")
    line.get_by_role("button", name="Raise inquiry").click()
    page.wait_for_selector("[data-inquiry]")
    assert page.locator("[data-inquiry] .badge").inner_text() == "open"
    response = page.goto(f"{base}/statements/{cat}/{PERIOD}")
    assert response is not None
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    sign_out(page, base)

    sign_in(page, base, "compadmin")
    page.goto(base + "/admin/inquiries?status=open")
    page.locator("#t-inquiries tbody tr", has_text="O11 was 600").get_by_role("link").first.click()
    page.get_by_label("Resolution").fill("Corrected to 600")
    page.get_by_label("Amount").fill("5")
    page.get_by_label("Approver").fill("boss")
    page.get_by_role("button", name="Resolve").click()
    page.wait_for_selector(".notice")
    assert "resolved with adjustment entry 1" in page.locator(".notice").inner_text()

    page.goto(base + "/admin/periods")
    page.get_by_role("button", name=f"Close {PERIOD}").click()
    refusal = page.locator(".error-box").inner_text()
    assert f"adjustments were appended to {PERIOD} after run" in refusal
    run_quarter(page, base)
    page.goto(base + "/admin/periods")
    page.get_by_role("button", name=f"Close {PERIOD}").click()
    page.wait_for_selector(".notice")
    assert f"Closed {PERIOD}" in page.locator(".notice").inner_text()
    assert page.locator(f"#period-{PERIOD} td[data-status]").inner_text() == "closed"
    sign_out(page, base)

    sign_in(page, base, "ann")
    page.goto(f"{base}/statements/{ann}/{PERIOD}")
    assert page.locator("[data-final]").get_attribute("data-final") == "yes"
    assert page.locator("[data-total=payout]").inner_text() == "780.00 USD"
    history = page.locator("[data-inquiry] .history").inner_text()
    assert "compadmin resolved: Corrected to 600 (adjustment entry 1)" in history
