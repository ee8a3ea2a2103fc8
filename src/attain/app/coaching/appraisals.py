"""Performance appraisals: a review per person and period whose metric snapshot (attainment, KPIs, rank
among peers, team medians) is taken from the KPI layer once, when the review is opened, and frozen;
the manager's rating on the defined scale, comments and next-period goals; final reviews are locked.

The calibration view and the top performers / needs improvement lists read the frozen snapshots, so
they show what the reviewer saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from attain.app.coaching.access import Viewer, coaching_scope
from attain.app.coaching.ports import CoachingStore, CoachingTransaction, KpiSource
from attain.app.coaching.records import NewReview, PersonName, ReviewMetric, ReviewRecord
from attain.app.coaching.skills import median, peers_of
from attain.app.ports import StoredPeriod
from attain.domain.coaching import NEEDS_IMPROVEMENT_RATING, RATING_SCALE, TOP_RATING, ReviewStatus
from attain.domain.errors import Conflict, InvalidInput, NotFound

SNAPSHOT_METRICS: tuple[str, ...] = (
    "quota_attainment",
    "revenue",
    "won_revenue",
    "number_of_sales",
    "win_rate",
    "average_deal_size",
    "sales_cycle_median_days",
    "opportunities_created",
    "open_pipeline_value",
)
RANK_METRIC, FALLBACK_RANK_METRIC = "quota_attainment", "revenue"

# Attainment bands of the calibration view: [low, high) as fractions of quota.
BANDS: tuple[tuple[str, Decimal | None, Decimal | None], ...] = (
    ("under 50%", None, Decimal("0.5")),
    ("50-80%", Decimal("0.5"), Decimal("0.8")),
    ("80-100%", Decimal("0.8"), Decimal("1.0")),
    ("100-120%", Decimal("1.0"), Decimal("1.2")),
    ("120% and over", Decimal("1.2"), None),
)


def _period(tx: CoachingTransaction, key: str) -> StoredPeriod:
    found = tx.org.period(key)
    if found is None:
        raise NotFound(f"period '{key}' not found", hint="use a key such as FY2025-Q3 or FY2025")
    return found


def open_review(
    store: CoachingStore,
    kpis: KpiSource,
    viewer: Viewer,
    *,
    person_id: int,
    period: str,
    today: date,
    snapshot_on: date | None = None,
) -> ReviewRecord:
    """Open the review of `person_id` for `period`, freezing the KPI layer's figures as of
    `snapshot_on` (default: today, or the period's last day once it is over)."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        scope.require_coach_of(person_id)
        stored = _period(tx, period)
        if tx.reviews.find(person_id, stored.id) is not None:
            raise Conflict(
                f"person {person_id} already has a review for {period}", hint="rate the existing one"
            )
        as_of = snapshot_on or min(today, stored.period.last_day)
        if as_of < stored.period.start:
            raise InvalidInput(f"{period} has not started on {as_of}", hint="review a period that has begun")
        peers = peers_of(tx, person_id, as_of)
        reviewer = scope.me if scope.me is not None else tx.org.manager_of(person_id, as_of)
    start, end = stored.period.start, stored.period.end
    values = kpis.values(SNAPSHOT_METRICS, peers, start, end, as_of=as_of)
    mine = values.get(person_id, {})
    rank_metric = RANK_METRIC if mine.get(RANK_METRIC) is not None else FALLBACK_RANK_METRIC
    ranking = kpis.ranking(rank_metric, peers, start, end, as_of=as_of)
    ranked = [r for r in ranking if r.rank is not None]
    rank = next((r.rank for r in ranked if r.person_id == person_id), None)
    snapshot = tuple(
        ReviewMetric(m, mine.get(m), median([values.get(p, {}).get(m) for p in peers]))
        for m in SNAPSHOT_METRICS
    )
    now = datetime.now(UTC)
    with store.transaction() as tx:
        record = tx.reviews.add(
            NewReview(
                person_id=person_id,
                reviewer_id=reviewer,
                period_id=stored.id,
                snapshot_on=as_of,
                attainment=mine.get(RANK_METRIC),
                rank=rank,
                rank_of=len(ranked) if rank else None,
                metrics=snapshot,
            ),
            actor=viewer.username,
            at=now,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="create",
            entity="review",
            entity_id=str(record.id),
            detail={
                "person_id": person_id,
                "period": period,
                "snapshot_on": as_of.isoformat(),
                "attainment": str(record.attainment) if record.attainment is not None else None,
                "rank": rank,
                "rank_of": record.rank_of,
                "rank_metric": rank_metric,
            },
        )
    return record


def rate_review(
    store: CoachingStore,
    viewer: Viewer,
    review_id: int,
    *,
    today: date,
    rating: int | None = None,
    comments: str | None = None,
    next_goals: str | None = None,
    status: str = ReviewStatus.DRAFT,
) -> ReviewRecord:
    """Set the rating, comments and next-period goals; `status` final locks the review."""
    final = ReviewStatus(status) is ReviewStatus.FINAL
    if rating is not None:
        RATING_SCALE.check(rating, where=f"review {review_id}")
    now = datetime.now(UTC)
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        review = tx.reviews.get(review_id)
        # Only the reviewer's side may rate; to anyone else a draft does not exist.
        if review is None or not scope.manages(review.person_id):
            raise NotFound(f"review {review_id} not found")
        if review.status == ReviewStatus.FINAL:
            raise Conflict(f"review {review_id} is final", hint="final reviews are not edited")
        chosen = rating if rating is not None else review.rating
        if final and chosen is None:
            raise InvalidInput(f"review {review_id} has no rating", hint="give --rating to finalise it")
        updated = tx.reviews.rate(
            review_id,
            rating=chosen,
            comments=comments.strip() if comments is not None else review.comments,
            next_goals=next_goals.strip() if next_goals is not None else review.next_goals,
            final_at=now if final else None,
        )
        tx.audit.record(
            at=now,
            actor=viewer.username,
            action="finalise" if final else "update",
            entity="review",
            entity_id=str(review_id),
            detail={"rating": chosen, "status": updated.status},
        )
    return updated


def reviews_of(store: CoachingStore, viewer: Viewer, person_id: int, *, today: date) -> list[ReviewRecord]:
    """A person's reviews: they see their own once final; their manager and admins see drafts too."""
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        scope.require_person(person_id)
        found = tx.reviews.for_people([person_id])
    if scope.manages(person_id):
        return found
    return [r for r in found if r.status == ReviewStatus.FINAL]


@dataclass(frozen=True, slots=True)
class ReviewLine:
    person: PersonName
    review: ReviewRecord

    @property
    def band(self) -> str | None:
        return band_of(self.review.attainment)


@dataclass(frozen=True, slots=True)
class Calibration:
    period: str
    lines: tuple[ReviewLine, ...]
    grid: dict[str, dict[int, int]]  # attainment band -> rating -> count of reviews
    outliers: tuple[tuple[ReviewLine, str], ...]  # a review and why it stands out

    def distribution(self) -> dict[int, int]:
        counts = dict.fromkeys(range(RATING_SCALE.low, RATING_SCALE.high + 1), 0)
        for line in self.lines:
            if line.review.rating is not None:
                counts[line.review.rating] += 1
        return counts


def band_of(attainment: Decimal | None) -> str | None:
    if attainment is None:
        return None
    for name, low, high in BANDS:
        if (low is None or attainment >= low) and (high is None or attainment < high):
            return name
    return None


def _lines(store: CoachingStore, viewer: Viewer, period: str, today: date) -> list[ReviewLine]:
    with store.transaction() as tx:
        scope = coaching_scope(tx, viewer, today)
        stored = _period(tx, period)
        visible = scope.visible_people()
        people = None if visible is None else sorted(p for p in visible if scope.manages(p))
        reviews = tx.reviews.for_period(stored.id, people)
        names = tx.org.names([r.person_id for r in reviews])
    return [ReviewLine(names[r.person_id], r) for r in reviews]


def calibration(store: CoachingStore, viewer: Viewer, *, period: str, today: date) -> Calibration:
    """Ratings against attainment for the reviews of the viewer's people, with the reviews whose
    rating and attainment disagree (rated high below 80 %, or rated low at 100 % and over)."""
    lines = _lines(store, viewer, period, today)
    grid = {name: dict.fromkeys(range(RATING_SCALE.low, RATING_SCALE.high + 1), 0) for name, _, _ in BANDS}
    outliers = []
    for line in lines:
        r = line.review
        if r.rating is not None and line.band is not None:
            grid[line.band][r.rating] += 1
        if r.rating is None or r.attainment is None:
            continue
        if r.rating >= TOP_RATING and r.attainment < Decimal("0.8"):
            outliers.append((line, "rated high with attainment under 80%"))
        elif r.rating <= NEEDS_IMPROVEMENT_RATING and r.attainment >= Decimal("1.0"):
            outliers.append((line, "rated low with attainment at 100% or more"))
    return Calibration(period, tuple(lines), grid, tuple(outliers))


def standouts(
    store: CoachingStore, viewer: Viewer, *, period: str, today: date
) -> tuple[list[ReviewLine], list[ReviewLine]]:
    """(top performers, needs improvement): rated at least TOP_RATING, or at most
    NEEDS_IMPROVEMENT_RATING; each line carries its frozen snapshot as the evidence."""
    lines = [x for x in _lines(store, viewer, period, today) if x.review.rating is not None]

    def key(x: ReviewLine) -> tuple[int, Decimal]:
        return (-(x.review.rating or 0), -(x.review.attainment or Decimal(0)))

    top = sorted((x for x in lines if (x.review.rating or 0) >= TOP_RATING), key=key)
    low = sorted(
        (x for x in lines if (x.review.rating or 0) <= NEEDS_IMPROVEMENT_RATING), key=key, reverse=True
    )
    return top, low


def snapshot_window(review: ReviewRecord, period: StoredPeriod) -> tuple[date, date]:
    """The dates the snapshot covers: the period's start to the snapshot date (inclusive)."""
    return period.period.start, min(review.snapshot_on, period.period.end - timedelta(days=1))
