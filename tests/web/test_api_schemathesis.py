"""Property-based calls generated from the OpenAPI schema (schemathesis) find no server error (5xx).

Anonymous callers try every operation; authenticated callers (an admin's and a rep's API token) try every
read operation on a small generated company with hypothesis-generated parameters. Writes are left out of
the authenticated run: they would change the company under the other examples and may start calculation
runs; the API tests cover them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from attain.app.access import issue_token
from attain.store.unit_of_work import SqlStore
from tests.dashboard_company import DemoCompany, build_demo_company, dashboard_app

EXAMPLES = 8


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCompany]:
    built = build_demo_company(tmp_path_factory.mktemp("schemathesis") / "attain.db")
    yield built
    built.store.dispose()


@pytest.fixture(scope="module")
def tokens(company: DemoCompany) -> dict[str, str]:
    return {"admin": _token(company.store, "admin"), "rep": _token(company.store, "rep")}


def _token(store: SqlStore, username: str) -> str:
    with store.transaction() as tx:
        found = tx.users.by_username(username)
    assert found is not None
    _, plain = issue_token(store, found[0], "schemathesis", ["read"])
    return plain


@pytest.fixture(scope="module")
def api_schema(company: DemoCompany) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", dashboard_app(company.store))


def _fuzz(api_schema: schemathesis.BaseSchema, methods: set[str], headers: dict[str, str]) -> list[str]:
    """Generated calls to every operation with one of `methods`; returns the ones answered with a 5xx."""
    failures: list[str] = []
    for found in api_schema.get_all_operations():
        operation = found.ok()
        if operation.method.upper() not in methods:
            continue

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        @given(case=operation.as_strategy())
        def call(case: schemathesis.Case) -> None:
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # the in-process client re-raises what the app did not handle
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> {exc!r}")
                return
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}")

        call()
    return failures


def test_anonymous_callers_never_cause_a_server_error(api_schema: schemathesis.BaseSchema) -> None:
    assert _fuzz(api_schema, {"GET", "POST", "PUT", "PATCH", "DELETE"}, {}) == []


def test_an_admins_reads_never_cause_a_server_error(
    api_schema: schemathesis.BaseSchema, tokens: dict[str, str]
) -> None:
    assert _fuzz(api_schema, {"GET"}, {"Authorization": f"Bearer {tokens['admin']}"}) == []


def test_a_reps_reads_never_cause_a_server_error(
    api_schema: schemathesis.BaseSchema, tokens: dict[str, str]
) -> None:
    assert _fuzz(api_schema, {"GET"}, {"Authorization": f"Bearer {tokens['rep']}"}) == []
