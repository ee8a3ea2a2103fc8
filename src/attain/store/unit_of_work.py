"""The SQL store: opens transactions that group the repositories over one session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from attain.store.database import create_db_engine
from attain.store.database import upgrade as upgrade_schema
from attain.store.fact_reader import SqlFactReader
from attain.store.facts import SqlFacts
from attain.store.forecasts import SqlForecasts
from attain.store.kpi_repositories import SqlGoals, SqlMetricDefinitions, SqlSettings
from attain.store.ledger import SqlInquiries, SqlLedger
from attain.store.pay_inputs import SqlPayInputs, SqlPlanBook
from attain.store.plans import SqlPlans
from attain.store.repositories import SqlAudit, SqlCalendars, SqlCounts, SqlPeople, SqlUsers
from attain.store.runs import SqlRuns
from attain.store.tokens import SqlTokens


class SqlTransaction:
    """Repositories sharing one session; committed by `SqlStore.transaction` on success."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.calendars = SqlCalendars(session)
        self.people = SqlPeople(session)
        self.audit = SqlAudit(session)
        self.users = SqlUsers(session)
        self.counts = SqlCounts(session)
        self.facts = SqlFacts(session)
        self.plans = SqlPlans(session)
        self.fact_reader = SqlFactReader(session)
        self.goals, self.settings = SqlGoals(session), SqlSettings(session)
        self.metric_definitions = SqlMetricDefinitions(session)
        self.tokens = SqlTokens(session)
        self.pay_inputs, self.plan_book = SqlPayInputs(session), SqlPlanBook(session)
        self.runs, self.ledger, self.inquiries = SqlRuns(session), SqlLedger(session), SqlInquiries(session)
        self.forecasts = SqlForecasts(session)


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        """One all-or-nothing unit: commits when the block ends, rolls back on any exception."""
        with self._sessions() as session, session.begin():
            yield SqlTransaction(session)

    def upgrade(self) -> None:
        upgrade_schema(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None) -> SqlStore:
    """A store on `url` (or ATTAIN_DATABASE_URL, or ./attain.db)."""
    return SqlStore(create_db_engine(url))
