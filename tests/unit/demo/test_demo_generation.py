"""The demo generator as a whole: deterministic, scalable by --orders, chunked without breaking references."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest

from attain.demo import history
from attain.demo.company import demo_batch, demo_frames
from attain.demo.spec import DemoSpec
from attain.domain.errors import InvalidInput

SMALL = DemoSpec(as_of=date(2025, 5, 20), seed=11, reps=20)


def ipc_bytes(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_ipc(out)
    return out.getvalue()


def test_the_same_seed_and_as_of_date_give_byte_identical_frames() -> None:
    first, second = demo_frames(SMALL), demo_frames(SMALL)
    assert list(first) == list(second)
    for name in first:
        assert ipc_bytes(first[name]) == ipc_bytes(second[name]), name


def test_another_seed_gives_another_company() -> None:
    other = demo_frames(DemoSpec(as_of=SMALL.as_of, seed=12, reps=20))
    assert not other["opportunity"].equals(demo_frames(SMALL)["opportunity"])


def test_the_batch_lists_the_organisation_first_and_streams_the_history() -> None:
    batch = demo_batch(SMALL)
    assert [name for name, _ in batch.frames] == [
        "person",
        "team",
        "territory",
        "account",
        "territory_account",
        "assignment",
        "product",
        "cost",
        "exchange_rate",
    ]
    streamed = [chunk.entity for stream in batch.streams for chunk in stream]
    assert streamed == ["opportunity", "opportunity_stage", "order", "goal"]


def test_orders_scale_the_volume_to_about_the_requested_number_of_lines() -> None:
    frames = demo_frames(DemoSpec(as_of=SMALL.as_of, seed=11, reps=20, orders=20_000))
    assert frames["order"].height == 19_574
    assert frames["account"].height == 12_817  # accounts grow with the volume, so each keeps its habits
    assert abs(frames["order"].height - 20_000) < 0.03 * 20_000


def test_chunks_number_identifiers_across_the_whole_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "DEALS_PER_CHUNK", 500)
    batch = demo_batch(SMALL)
    chunks = [chunk for stream in batch.streams for chunk in stream]
    assert [c.entity for c in chunks].count("opportunity") == 6
    frames = demo_frames(SMALL)
    orders, opps = frames["order"], frames["opportunity"]
    assert opps["external_id"].n_unique() == opps.height
    assert orders["external_id"].n_unique() == orders.height
    assert orders["opportunity"].is_in(opps["external_id"].implode()).all()
    credits = orders.filter(pl.col("original").is_not_null())
    assert credits["original"].is_in(orders["external_id"].implode()).all()
    stages = frames["opportunity_stage"]
    assert stages["opportunity"].is_in(opps["external_id"].implode()).all()


@pytest.mark.parametrize(
    ("reps", "orders", "message"),
    [(9, None, "--reps 9 is too small"), (60, 0, "--orders 0 must be positive")],
)
def test_a_spec_too_small_to_be_a_company_is_refused(reps: int, orders: int | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        DemoSpec(as_of=SMALL.as_of, reps=reps, orders=orders)
