"""Appraisals on both databases: the snapshot equals the KPI layer's figures at the snapshot date and
does not change when later data arrives; rating, finalising, calibration and the standout lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from attain.app.coaching.appraisals import (
    SNAPSHOT_METRICS,
    calibration,
    open_review,
    rate_review,
    reviews_of,
    standouts,
)
from attain.domain.errors import Conflict, Forbidden, NotFound
from attain.store import models as m
from attain.store.coaching import SqlCoachingStore
from attain.store.coaching_kpis import AnalyticsKpis
from attain.store.unit_of_work import SqlStore
from tests.coaching_company import TODAY, Company, build_company

Q2 = (date(2025, 4, 1), date(2025, 7, 1))


@pytest.fixture
def company(store: SqlStore) -> Company:
    return build_company(store, logins=False)


def test_snapshot_equals_the_kpi_layer_and_stays_frozen_when_data_arrives(
    store: SqlStore, company: Company
) -> None:
    cs = SqlCoachingStore(store)
    review = open_review(
        cs, AnalyticsKpis(store), company.manager, person_id=company.ann, period="FY2025-Q2", today=TODAY
    )
    peers = [company.ann, company.bob, company.cat]
    expected = AnalyticsKpis(store).values(SNAPSHOT_METRICS, peers, *Q2, as_of=TODAY)
    assert {x.metric: x.value for x in review.metrics} == expected[company.ann]
    assert (review.attainment, review.rank, review.rank_of, review.snapshot_on) == (
        Decimal("0.3"),
        3,
        3,
        TODAY,
    )
    assert {x.metric: x.team_median for x in review.metrics}["revenue"] == Decimal(45_000)
    assert {x.metric: x.value for x in review.metrics}["win_rate"] == Decimal("0.25")

    # A late order (booked before the snapshot date, imported after) changes the KPI layer's figure...
    with store.transaction() as tx:
        tx.session.add(
            m.Order(
                external_id="late-1",
                booked_on=date(2025, 5, 10),
                owner_id=company.ann,
                amount=40_000_00,
                currency="USD",
                kind="new",
            )
        )
    later = AnalyticsKpis(store).values(["revenue", "quota_attainment"], [company.ann], *Q2, as_of=TODAY)
    assert later[company.ann] == {"revenue": Decimal(70_000), "quota_attainment": Decimal("0.7")}
    # ... but not the review's snapshot.
    again = reviews_of(cs, company.manager, company.ann, today=TODAY)[0]
    assert again.metrics == review.metrics
    assert (again.attainment, again.rank) == (Decimal("0.3"), 3)


def test_reviews_are_rated_finalised_and_locked(store: SqlStore, company: Company) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    review = open_review(cs, kpis, company.manager, person_id=company.ann, period="FY2025-Q2", today=TODAY)
    with pytest.raises(Conflict):
        open_review(cs, kpis, company.manager, person_id=company.ann, period="FY2025-Q2", today=TODAY)
    with pytest.raises(NotFound):
        open_review(cs, kpis, company.other_manager, person_id=company.ann, period="FY2025-Q2", today=TODAY)
    # The rep does not see a draft; they see the review once it is final.
    assert reviews_of(cs, company.rep, company.ann, today=TODAY) == []
    with pytest.raises(NotFound):
        rate_review(cs, company.rep, review.id, rating=5, today=TODAY)
    final = rate_review(
        cs,
        company.manager,
        review.id,
        rating=2,
        comments="Pipeline too thin.",
        next_goals="Ten new opportunities a month.",
        status="final",
        today=TODAY,
    )
    assert (final.status, final.rating, final.next_goals) == ("final", 2, "Ten new opportunities a month.")
    assert [r.id for r in reviews_of(cs, company.rep, company.ann, today=TODAY)] == [review.id]
    with pytest.raises(Conflict):
        rate_review(cs, company.manager, review.id, rating=3, today=TODAY)


def test_calibration_sets_ratings_against_attainment_and_flags_disagreements(
    store: SqlStore, company: Company
) -> None:
    cs, kpis = SqlCoachingStore(store), AnalyticsKpis(store)
    ratings = {company.ann: 4, company.bob: 2, company.cat: 3}
    for person, rating in ratings.items():
        review = open_review(
            cs,
            kpis,
            company.manager,
            person_id=person,
            period="FY2025-Q2",
            today=TODAY,
            snapshot_on=date(2025, 6, 30),
        )
        rate_review(cs, company.manager, review.id, rating=rating, today=TODAY)
    view = calibration(cs, company.manager, period="FY2025-Q2", today=TODAY)
    # Full-quarter attainment as of 2025-06-30: Ann 0.30, Bob 0.60, Cat 0.45.
    assert {line.person.external_id: (line.review.attainment, line.band) for line in view.lines} == {
        "ann": (Decimal("0.3"), "under 50%"),
        "bob": (Decimal("0.6"), "50-80%"),
        "cat": (Decimal("0.45"), "under 50%"),
    }
    assert view.distribution() == {1: 0, 2: 1, 3: 1, 4: 1, 5: 0}
    assert view.grid["under 50%"] == {1: 0, 2: 0, 3: 1, 4: 1, 5: 0}
    assert [(line.person.external_id, why) for line, why in view.outliers] == [
        ("ann", "rated high with attainment under 80%")
    ]
    top, low = standouts(cs, company.manager, period="FY2025-Q2", today=TODAY)
    assert [x.person.external_id for x in top] == ["ann"]
    assert [x.person.external_id for x in low] == ["bob"]
    assert calibration(cs, company.other_manager, period="FY2025-Q2", today=TODAY).lines == ()
    with pytest.raises(Forbidden):
        open_review(cs, kpis, company.rep, person_id=company.ann, period="FY2025-Q2", today=TODAY)
