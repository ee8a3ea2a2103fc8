"""Tables page on the server: sort and filter apply to every row before paging, page links keep the view,
the CSV export has every matching row, and bad or out-of-range pages answer clearly."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html import unescape

import pytest
from fastapi import FastAPI

from attain.domain.errors import InvalidInput
from attain.web.tables import MAX_PAGE_ROWS, Column, Kind, Table
from tests.dashboard_company import DemoCompany, build_demo_company, dashboard_app, sign_in

ROWS = [
    {"name": f"rep {i:03d}", "amount": (i * 37) % 1000, "team": "north" if i % 3 else "south"}
    for i in range(1, 131)
]
COLUMNS = [Column("name", "Rep"), Column("amount", "Amount", Kind.MONEY), Column("team", "Team")]


def table(**params: str) -> Table:
    return Table("board", "Board", COLUMNS, ROWS, params, default_sort="name")


def test_pages_cut_the_sorted_rows_at_page_boundaries() -> None:
    first, second, last = table(), table(**{"board.page": "2"}), table(**{"board.page": "3"})
    assert [r["name"] for r in first.page.rows] == [f"rep {i:03d}" for i in range(1, 51)]
    assert [r["name"] for r in second.page.rows] == [f"rep {i:03d}" for i in range(51, 101)]
    assert [r["name"] for r in last.page.rows] == [f"rep {i:03d}" for i in range(101, 131)]
    assert (second.page.first, second.page.last, second.page.total, second.page.count) == (51, 100, 130, 3)
    assert (last.page.first, last.page.last) == (101, 130)


def test_sort_applies_to_all_rows_before_paging() -> None:
    ordered = sorted(ROWS, key=lambda r: -r["amount"])
    second = table(**{"board.sort": "amount", "board.dir": "desc", "board.page": "2", "board.size": "25"})
    assert [r["amount"] for r in second.page.rows] == [r["amount"] for r in ordered[25:50]]
    assert second.page.rows[0]["amount"] <= ordered[24]["amount"]  # continues where page 1 stopped


def test_filter_applies_before_paging_and_counts_matching_rows() -> None:
    south = [r for r in ROWS if r["team"] == "south"]
    found = table(**{"board.q": "SOUTH", "board.size": "25", "board.page": "2"})
    assert found.page.total == len(south) == 43
    assert [r["name"] for r in found.page.rows] == [r["name"] for r in south[25:43]]
    assert found.page.count == 2


def test_a_page_past_the_last_shows_the_last_page() -> None:
    found = table(**{"board.page": "99"})
    assert found.page.number == 3
    assert next(r["name"] for r in found.page.rows) == "rep 101"


@pytest.mark.parametrize(
    ("name", "value"), [("board.page", "0"), ("board.page", "-1"), ("board.page", "two"), ("board.size", "7")]
)
def test_a_bad_page_or_size_is_a_clear_error(name: str, value: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(name)):
        table(**{name: value})


def test_all_shows_every_row_up_to_the_safe_maximum() -> None:
    assert len(table(**{"board.size": "all"}).page.rows) == 130
    many = [{"name": f"r{i}", "amount": i, "team": "x"} for i in range(MAX_PAGE_ROWS + 5)]
    big = Table("big", "Big", COLUMNS, many, {"big.size": "all"})
    assert (len(big.page.rows), big.page.count) == (MAX_PAGE_ROWS, 2)
    assert big.size_label("all") == f"{MAX_PAGE_ROWS:,}"


def test_links_keep_sort_filter_and_other_tables_and_restart_at_page_one() -> None:
    t = table(
        **{"board.sort": "amount", "board.q": "north", "board.page": "2", "other.page": "3", "period": "Q"}
    )
    nxt = t.page_url(3)
    assert "board.sort=amount" in nxt
    assert "board.q=north" in nxt
    assert "board.page=3" in nxt
    assert "other.page=3" in nxt
    assert "period=Q" in nxt
    assert "board.page" not in t.page_url(1)
    assert "board.page" not in t.sort_url(COLUMNS[0])  # a new sort starts on the first page
    assert "board.page" not in t.size_url("100")
    assert "board.size=100" in t.size_url("100")
    assert "board.page" not in dict(t.hidden_params())  # so does a new filter
    csv_link = t.csv_url("/team")
    assert "board.page" not in csv_link
    assert "board.q=north" in csv_link


def test_csv_has_every_filtered_sorted_row_whatever_the_page() -> None:
    t = table(**{"board.q": "north", "board.sort": "amount", "board.page": "2", "board.size": "25"})
    exported = list(csv.DictReader(io.StringIO(t.csv())))
    north = sorted((r for r in ROWS if r["team"] == "north"), key=lambda r: r["amount"])
    assert [r["Rep"] for r in exported] == [r["name"] for r in north]
    assert len(exported) == 87


# --- on a page ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCompany]:
    built = build_demo_company(tmp_path_factory.mktemp("paging") / "attain.db")
    yield built
    built.store.dispose()


@pytest.fixture(scope="module")
def app(company: DemoCompany) -> FastAPI:
    return dashboard_app(company.store)


DRILL = "/drill?metric=revenue&period=FY2026-Q4&rows.sort=external_id&rows.dir=desc"


def _ids(html: str) -> list[str]:
    """The Id column (the second) of the drill-down table's rows."""
    body = html.split('id="t-rows"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", row)[1] for row in body.split("<tr>")[1:]]


def test_a_drill_down_pages_its_sorted_rows_and_exports_every_row(app: FastAPI) -> None:
    admin = sign_in(app, "admin")
    exported = list(csv.DictReader(io.StringIO(admin.get(DRILL.replace("/drill?", "/drill.csv?")).text)))
    ids = [r["Id"] for r in exported]
    assert len(ids) > 50
    assert ids == sorted(ids, reverse=True)
    first = admin.get(f"{DRILL}&rows.size=25").text
    second = admin.get(f"{DRILL}&rows.size=25&rows.page=2").text
    assert _ids(first) == ids[:25]
    assert _ids(second) == ids[25:50]
    assert f"26–50 of {len(ids)}" in second
    nav = second.split('aria-label="Pages of Rows behind', 1)[1].split("</nav>", 1)[0]
    previous = re.search(r'href="([^"]+)" rel="prev"', nav)
    assert previous is not None
    assert "rows.size=25" in unescape(previous.group(1))
    assert "rows.sort=external_id" in unescape(previous.group(1))
    assert 'aria-current="page">Page 2 of' in nav
    paged_csv = admin.get(f"{DRILL.replace('/drill?', '/drill.csv?')}&rows.size=25&rows.page=2").text
    assert [r["Id"] for r in csv.DictReader(io.StringIO(paged_csv))] == ids


def test_a_filter_then_a_page_on_the_team_page(app: FastAPI, company: DemoCompany) -> None:
    manager = sign_in(app, "manager")
    name = company.teammate.name
    # Past the last page of the filtered rows: the last (here the only) page.
    page = manager.get("/team", params={"kpis.q": name, "kpis.page": "5"}).text
    section = page.split('id="t-kpis"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"1–1 of 1 \(filtered from \d+\)", section)
    assert name in section
    assert company.rep.name not in section


def test_a_bad_page_parameter_is_a_clear_error_page(app: FastAPI) -> None:
    page = sign_in(app, "admin").get("/team?kpis.page=nope")
    assert page.status_code == 422
    assert "kpis.page" in page.text
