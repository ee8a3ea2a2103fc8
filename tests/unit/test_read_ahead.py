"""read_ahead yields a stream's items in order from a thread, passes its errors on and always closes it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest

from attain.app.imports.readahead import read_ahead


class _Stream:
    """A generator-backed stream that records whether its clean-up ran."""

    def __init__(self, items: list[int], fail_at: int | None = None) -> None:
        self.items = items
        self.fail_at = fail_at
        self.closed = False

    def __iter__(self) -> Iterator[int]:
        try:
            for i, item in enumerate(self.items):
                if i == self.fail_at:
                    raise ValueError(f"row {item} cannot be read")
                yield item
        finally:
            self.closed = True


def test_items_arrive_in_order_and_the_stream_is_closed() -> None:
    stream = _Stream(list(range(50)))
    assert list(read_ahead(stream, ahead=2)) == list(range(50))
    assert stream.closed


def test_an_error_of_the_stream_is_raised_where_the_items_are_consumed() -> None:
    stream = _Stream([1, 2, 3, 4], fail_at=2)
    items = read_ahead(stream)
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(ValueError, match="row 3 cannot be read"):
        next(items)
    assert stream.closed


def test_abandoning_the_stream_stops_the_reader_and_closes_the_stream() -> None:
    stream = _Stream(list(range(1000)))
    with closing(read_ahead(stream)) as items:
        assert next(items) == 0
        assert next(items) == 1
    assert stream.closed
