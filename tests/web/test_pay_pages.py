"""The pay pages with a test client: statements and inquiries, imports with row errors, the plan editor and
diff, runs in the background, close, adjustments, the inquiry queue and the finance pages."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from attain.store.unit_of_work import SqlStore
from attain.web.run_jobs import RunJobs
from tests.web.conftest import Org, build_org, signed_in
from tests.web.pay_org import PERIOD, REP_PLAN, add_pay

ORDERS_CSV = "external_id,booked_on,amount,owner\nO10,2025-02-01,2000.00,ben\nO11,2025-02-30,500.00,ann\n"
FIXED_CSV = ORDERS_CSV.replace("2025-02-30", "2025-02-28")


@dataclass
class Pay:
    org: Org
    run_id: int

    def id(self, name: str) -> int:
        return self.org.ids[name]


@pytest.fixture
def pay(sqlite_store: SqlStore) -> Pay:
    org = build_org(sqlite_store)
    return Pay(org, add_pay(org))


def form(client: TestClient, url: str, **fields: str) -> object:
    return client.post(url, data={"csrf": client.headers["X-CSRF-Token"], **fields}, follow_redirects=False)


def test_a_rep_sees_every_line_explained_and_raises_an_inquiry_on_one(pay: Pay) -> None:
    ann = signed_in(pay.org.store, "ann")
    url = f"/statements/{pay.id('ann')}/{PERIOD}"
    page = ann.get(url)
    assert page.status_code == 200
    assert "order O2, booked 2025-02-10, 5,000.00 USD; credit direct share 100% on 2025-02-10" in page.text
    assert f'href="{url}/pdf"' in page.text
    raised = ann.post(
        f"{url}/inquiries",
        data={"csrf": ann.headers["X-CSRF-Token"], "line": "2", "question": "Was O2 a renewal?"},
        follow_redirects=False,
    )
    assert (raised.status_code, raised.headers["location"]) == (303, f"{url}#inquiry-1")
    shown = ann.get(url).text
    assert "Inquiry 1 raised: a comp admin will answer it here." in shown
    assert 'data-status="open">inquiry open</span>' in shown
    assert "Was O2 a renewal?" in shown
    assert ann.get(f"/statements/{pay.id('ann')}").status_code == 200


def test_a_rep_gets_404_on_another_reps_statement_page_and_a_manager_sees_the_team(pay: Pay) -> None:
    ann = signed_in(pay.org.store, "ann")
    other = ann.get(f"/statements/{pay.id('cat')}/{PERIOD}")
    assert other.status_code == 404
    assert "Cat" not in other.text
    assert ann.get(f"/statements/{pay.id('ben')}/{PERIOD}/pdf").status_code == 404
    refused = form(ann, f"/statements/{pay.id('ben')}/{PERIOD}/inquiries", question="x")
    assert refused.status_code == 404  # type: ignore[attr-defined]
    boss = signed_in(pay.org.store, "boss")
    assert boss.get(f"/statements/{pay.id('ben')}/{PERIOD}").status_code == 200
    assert (
        ann.get("/statements", follow_redirects=False).headers["location"] == f"/statements/{pay.id('ann')}"
    )


def test_an_import_with_a_bad_row_writes_nothing_and_the_fixed_file_loads(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")

    def upload(text: str) -> object:
        return admin.post(
            "/admin/imports",
            data={"csrf": admin.headers["X-CSRF-Token"], "mapping": "attain-orders"},
            files={"files": ("orders.csv", text.encode(), "text/csv")},
        )

    rejected = upload(ORDERS_CSV)
    assert rejected.status_code == 422  # type: ignore[attr-defined]
    text = rejected.text  # type: ignore[attr-defined]
    assert "Nothing was imported</strong>: 1 error" in text
    assert '<tr data-row="3"><td>orders.csv</td><td class="num">3</td><td>booked_on</td>' in text
    assert "<code>2025-02-30</code>" in text
    with pay.org.store.transaction() as tx:
        assert tx.counts.table_counts()["orders"] == 4
    loaded = upload(FIXED_CSV)
    assert loaded.status_code == 200  # type: ignore[attr-defined]
    assert 'data-import-status="committed"' in loaded.text  # type: ignore[attr-defined]
    assert '<tr data-entity="order"><td>order</td><td class="num">2</td>' in loaded.text  # type: ignore[attr-defined]
    with pay.org.store.transaction() as tx:
        assert tx.counts.table_counts()["orders"] == 6


MY_MAPPING = """\
name: my-orders
targets:
  - entity: order
    fields:
      external_id: Order
      booked_on: {column: Date, date_formats: ["%d.%m.%Y"]}
      amount: Net
      currency: {value: USD}
      kind: {value: new}
      owner: Rep
"""


def test_an_import_reads_files_through_an_uploaded_mapping(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")
    data = {"csrf": admin.headers["X-CSRF-Token"], "mapping": "uploaded"}
    csv = b"Order,Date,Net,Rep\nO20,15.03.2025,100.00,cat\n"
    loaded = admin.post(
        "/admin/imports",
        data=data,
        files=[
            ("files", ("erp.csv", csv, "text/csv")),
            ("mapping_file", ("mine.yaml", MY_MAPPING.encode(), "application/yaml")),
        ],
    )
    assert loaded.status_code == 200
    assert '<tr data-entity="order"><td>order</td><td class="num">1</td>' in loaded.text
    broken = admin.post(
        "/admin/imports",
        data=data,
        files=[
            ("files", ("erp.csv", csv, "text/csv")),
            ("mapping_file", ("mine.yaml", b"name: x\ntargets: [", "application/yaml")),
        ],
    )
    assert broken.status_code == 422
    assert "mine.yaml line 2 column 11: not valid YAML" in broken.text


def test_the_plan_editor_shows_the_error_at_its_line_and_saves_a_new_version(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")
    broken = REP_PLAN.replace("sum: amount", "sum: amont")
    checked = form(admin, "/admin/plans/rep", text=broken, action="check")
    assert checked.status_code == 422  # type: ignore[attr-defined]
    page = checked.text  # type: ignore[attr-defined]
    assert "Line 9, column 10: unknown field to sum &#39;amont&#39;" in page
    assert '<span class="bad-line" data-lineno="9">   9      sum: amont</span>' in page
    ok = form(admin, "/admin/plans/rep", text=REP_PLAN, action="check")
    assert "ok: plan &#39;rep&#39; (USD, paid per quarter)" in ok.text  # type: ignore[attr-defined]
    richer = REP_PLAN.replace("rate: 5%", "rate: 6%")
    saved = form(admin, "/admin/plans/rep", text=richer, comment="6% from Q1", action="save")
    assert saved.headers["location"] == "/admin/plans/rep?version=2"  # type: ignore[attr-defined]
    assert "Saved plan rep version 2." in admin.get("/admin/plans/rep?version=2").text
    wrong_key = form(
        admin, "/admin/plans/rep", text=REP_PLAN.replace("plan: rep", "plan: other"), action="save"
    )
    assert "the document is plan &#39;other&#39;, not &#39;rep&#39;" in wrong_key.text  # type: ignore[attr-defined]
    diff = admin.get("/admin/plans/rep/diff", params={"a": "1", "b": "2", "period": PERIOD}).text
    assert '<span class="del">-    rate: 5%</span>' in diff
    assert '<span class="add">+    rate: 6%</span>' in diff
    cells = [c.strip() for c in diff.split("<tbody>")[-1].split("</tr>")[0].split("<td>")[1:]]
    assert [c.removesuffix("</td>").strip() for c in cells] == ["ann", "Ann", "750.00", "900.00", "150.00"]
    csv = admin.get("/admin/plans/rep/diff.csv", params={"a": "1", "b": "2", "period": PERIOD}).text
    assert csv.splitlines()[1] == "ann,Ann,750.00,900.00,150.00"


def test_a_run_started_from_the_page_calculates_in_the_background_and_lands_on_its_results(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")
    started = form(admin, "/admin/runs", period=PERIOD, engine="reference")
    location = started.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/admin/runs/jobs/")
    job_id = location.rsplit("/", 1)[1]
    jobs = admin.app.state.run_jobs  # type: ignore[attr-defined]
    assert isinstance(jobs, RunJobs)
    run_id = jobs.wait(job_id, timeout=120).summary.run_id  # type: ignore[union-attr]
    status = admin.get(f"{location}/status")
    assert status.headers["hx-redirect"] == f"/admin/runs/{run_id}"
    assert admin.get(location, follow_redirects=False).headers["location"] == f"/admin/runs/{run_id}"
    results = admin.get(f"/admin/runs/{run_id}").text
    assert f"Compare with run {pay.run_id} (the previous run)" in results
    assert f'<a href="/statements/{pay.id("cat")}/{PERIOD}" hx-boost="false">Cat</a>' in results
    compared = admin.get(f"/admin/runs/{run_id}/compare").text
    assert 'data-same="yes"' in compared
    runs_csv = admin.get("/admin/runs.csv", params={"table": "runs"}).text.splitlines()
    assert runs_csv[0].startswith("Run,Period,Status,Engine,People,Payees,Payout")
    assert len(runs_csv) == 3


def test_a_failed_run_says_why(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")
    started = form(admin, "/admin/runs", period="FY2025-Q2", people="nobody")
    location = started.headers["location"]  # type: ignore[attr-defined]
    admin.app.state.run_jobs.wait(location.rsplit("/", 1)[1], timeout=120)  # type: ignore[attr-defined]
    page = admin.get(location).text
    assert 'data-status="failed"' in page
    assert "unknown people nobody" in page


def test_close_shows_the_refusal_when_facts_changed_and_closes_after_a_rerun(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")
    upload = admin.post(
        "/admin/imports",
        data={"csrf": admin.headers["X-CSRF-Token"], "mapping": "attain-orders"},
        files={"files": ("late.csv", FIXED_CSV.encode(), "text/csv")},
    )
    assert upload.status_code == 200
    periods = admin.get("/admin/periods").text
    assert f"facts changed since run {pay.run_id}: run again before closing" in periods
    refused = form(admin, f"/admin/periods/{PERIOD}/close")
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert f"the facts of {PERIOD} changed since run {pay.run_id}" in refused.text  # type: ignore[attr-defined]
    job = form(admin, "/admin/runs", period=PERIOD, engine="reference").headers["location"]  # type: ignore[attr-defined]
    admin.app.state.run_jobs.wait(job.rsplit("/", 1)[1], timeout=120)  # type: ignore[attr-defined]
    closed = form(admin, f"/admin/periods/{PERIOD}/close")
    assert closed.headers["location"] == f"/admin/periods#period-{PERIOD}"  # type: ignore[attr-defined]
    assert (
        f"Closed {PERIOD} from run {pay.run_id + 1}: 6 ledger entries posted."
        in admin.get("/admin/periods").text
    )


def test_adjustments_are_appended_with_reason_and_approver_and_bad_amounts_are_refused(pay: Pay) -> None:
    admin = signed_in(pay.org.store, "compadmin")
    fields = {"person": "ben", "period": PERIOD, "reason": "Split fix", "approver": "boss"}
    bad = form(admin, "/admin/adjustments", amount="1.234", **fields)
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "1.234 has more decimals than USD allows" in bad.text  # type: ignore[attr-defined]
    assert 'value="Split fix"' in bad.text  # type: ignore[attr-defined]
    good = form(admin, "/admin/adjustments", amount="-40", **fields)
    assert good.status_code == 303  # type: ignore[attr-defined]
    page = admin.get("/admin/adjustments").text
    assert f"Adjustment entry 1 appended: run {PERIOD} again to pay it." in page
    csv = admin.get("/admin/adjustments.csv", params={"table": "adjustments"}).text.splitlines()
    assert csv[1].split(",")[1:9] == [
        "ben",
        PERIOD,
        "rep",
        "-40.00",
        "USD",
        "Split fix",
        "boss",
        csv[1].split(",")[8],
    ]


def test_the_admin_answers_and_resolves_an_inquiry_and_the_rep_sees_its_history(pay: Pay) -> None:
    ann = signed_in(pay.org.store, "ann")
    form(ann, f"/statements/{pay.id('ann')}/{PERIOD}/inquiries", line="1", question="Rate on O1?")
    admin = signed_in(pay.org.store, "compadmin")
    queue = admin.get("/admin/inquiries?status=open").text
    assert '<a href="/admin/inquiries/1" hx-boost="false">1</a>' in queue
    assert "Rate on O1?" in queue
    form(admin, "/admin/inquiries/1/answer", text="5% as in the plan")
    resolved = form(admin, "/admin/inquiries/1/resolve", text="Goodwill", adjustment="25", approver="boss")
    assert resolved.headers["location"] == "/admin/inquiries/1"  # type: ignore[attr-defined]
    detail = admin.get("/admin/inquiries/1").text
    assert "Inquiry 1 resolved with adjustment entry 1: run FY2025-Q1 again to pay it." in detail
    again = form(admin, "/admin/inquiries/1/answer", text="more")
    assert again.status_code == 409  # type: ignore[attr-defined]
    mine = ann.get(f"/statements/{pay.id('ann')}/{PERIOD}").text
    assert "compadmin answered: 5% as in the plan" in mine
    assert "compadmin resolved: Goodwill (adjustment entry 1)" in mine
    assert 'data-status="resolved">inquiry resolved</span>' in mine


def test_finance_pages_show_payouts_accruals_and_export_payroll(pay: Pay) -> None:
    finance = signed_in(pay.org.store, "finance")
    payouts = finance.get("/finance").text
    assert "Provisional: the period is open" in payouts
    assert 'data-total="USD">1,300.00</strong>' in payouts
    assert finance.get("/finance.csv", params={"table": "payouts"}).text.splitlines()[1] == (
        "ann,Ann,rep,USD,750.00,750.00,0.00"
    )
    payroll = finance.get("/finance/payroll.csv", params={"period": PERIOD})
    assert (
        payroll.headers["content-disposition"] == 'attachment; filename="payroll-FY2025-Q1-provisional.csv"'
    )
    assert payroll.text.splitlines()[1] == "ann,FY2025-Q1,750.00,USD,"
    accruals = finance.get("/finance/accruals.csv", params={"table": "accruals"}).text.splitlines()
    assert accruals[3] == "cat,Cat,rep,USD,150.00,150.00,0.00,0.00,0.00"
    assert finance.get("/finance?period=FY2025-Q2").status_code == 404


@pytest.mark.parametrize(
    ("login", "url", "status"),
    [
        ("ann", "/admin/runs", 403),
        ("boss", "/admin/imports", 403),
        ("finance", "/admin/plans", 403),
        ("compadmin", "/finance", 403),
        ("viewer", "/finance/accruals", 403),
        ("admin", "/finance", 200),
        ("admin", "/admin/inquiries", 200),
    ],
)
def test_pay_pages_open_to_their_roles_only(pay: Pay, login: str, url: str, status: int) -> None:
    assert signed_in(pay.org.store, login).get(url).status_code == status


def test_anonymous_callers_are_sent_to_sign_in(pay: Pay) -> None:
    client = TestClient(signed_in(pay.org.store, "admin").app)
    for url in ("/admin/runs", f"/statements/{pay.id('ann')}/{PERIOD}", "/finance"):
        assert client.get(url, follow_redirects=False).headers["location"] == "/login"
