"""The demo use case: set up the fiscal calendar, load the generated company through the import path,
then run the steps that follow a load (the demo login users).

The company goes through `load_batch` like every import: validated, in one transaction, audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from attain.app.imports.batch import Chunk, ImportReport
from attain.app.imports.load import load_batch
from attain.app.ports import Store
from attain.app.setup import InitResult, init_company
from attain.demo.catalogue import MAIN_CURRENCY
from attain.demo.company import demo_batch
from attain.demo.spec import DemoSpec
from attain.domain.errors import Conflict

Progress = Callable[[str, int, int], None]  # (what, done, expected)
NOT_DATA = frozenset({"periods", "users"})  # set up by `attain init` or `attain user add`, not company data


class Login(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def role(self) -> str: ...


# The hook where demo login users are created once the company is loaded: given the store and the
# as-of date, it returns the logins it made (attain.app.users.ensure_demo_users fits).
CreateLogins = Callable[[Store, date], Sequence[Login]]
# The hook where the incentive plans are saved, assigned, run and closed once the company is loaded
# (attain.demo.pay.install_pay fits); it returns a summary to print.
SetUpPay = Callable[[DemoSpec, "Progress | None"], object]


@dataclass(slots=True)
class DemoResult:
    spec: DemoSpec
    calendar: InitResult
    report: ImportReport
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, password, role
    pay: object | None = None  # what the SetUpPay hook returned

    def created(self) -> dict[str, int]:
        """Rows created per entity, periods included."""
        counts = {"period": self.calendar.periods_added}
        counts.update({name: c.created for name, c in self.report.counts.items()})
        return counts


def existing_data(store: Store) -> dict[str, int]:
    """Tables that already hold company data, with their row counts."""
    with store.transaction() as tx:
        counts = tx.counts.table_counts()
    return {name: n for name, n in counts.items() if n and name not in NOT_DATA}


def _counted(chunks: Iterable[Chunk], progress: Progress | None) -> Iterator[Chunk]:
    rows = 0
    for chunk in chunks:
        rows += chunk.frame.height
        if progress is not None:
            progress(f"generating {chunk.entity.replace('_', ' ')} rows", rows, 0)
        yield chunk


def install_demo(
    store: Store,
    spec: DemoSpec,
    *,
    actor: str = "demo",
    progress: Progress | None = None,
    create_logins: CreateLogins | None = None,
    set_up_pay: SetUpPay | None = None,
) -> DemoResult:
    """Generate the demo company for `spec` into an empty database.

    Raises Conflict when the database already holds company data: the demo never mixes with it.
    """
    found = existing_data(store)
    if found:
        listed = ", ".join(f"{n} {name}" for name, n in sorted(found.items()))
        raise Conflict(
            f"the database already holds data ({listed})",
            hint="use an empty database, or `attain demo --replace` to empty it first",
        )
    calendar = init_company(
        store,
        start_month=spec.fiscal_start_month,
        currency=MAIN_CURRENCY,
        first_fy=spec.first_fy,
        last_fy=spec.current_fy + 1,
        actor=actor,
    )
    batch = demo_batch(spec)
    batch.streams = [_counted(stream, progress) for stream in batch.streams]
    if progress is not None:
        progress("writing to the database", 0, 0)
    report = load_batch(store, batch, actor=actor)
    result = DemoResult(spec, calendar, report)
    if set_up_pay is not None:
        result.pay = set_up_pay(spec, progress)
    if create_logins is not None:
        result.logins = [(x.username, x.password, x.role) for x in create_logins(store, spec.as_of)]
    return result
