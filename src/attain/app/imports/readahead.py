"""Reading a stream of chunks one step ahead, in a thread, so that parsing overlaps with writing.

While the database writes chunk n, the next chunk is read and parsed: Polars and the database
driver release the GIL, so on two cores the two halves of an import run side by side. At most
`ahead` chunks wait in memory. The stream's own clean-up runs when it ends, fails or is abandoned.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
_POLL = 0.1  # seconds between checks that the reader is still wanted


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[T], ahead: int = 1) -> Generator[T, None, None]:
    """`items` in order, produced by a background thread up to `ahead` items in advance."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            for item in source:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it in its own thread
            put(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator's `finally` (temporary files) runs in the thread that ran it

    reader = threading.Thread(target=produce, name="attain-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = waiting.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()  # the reader finishes the item in hand, sees this and closes the stream
        reader.join()
