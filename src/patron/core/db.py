"""What a database error means for the person waiting: busy (wait and try again), or away."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError

T = TypeVar("T")

_BUSY_WORDS = ("locked", "lock timeout", "could not serialize", "deadlock", "busy")


def is_busy(error: BaseException) -> bool:
    """Another process holds the lock (SQLite's busy timeout ran out, a PostgreSQL lock
    timeout): the same work will succeed a little later."""
    return isinstance(error, OperationalError) and any(
        word in str(error).lower() for word in _BUSY_WORDS
    )


def is_unavailable(error: BaseException) -> bool:
    """The database is busy, gone, read-only or full: not a bug in the request."""
    return isinstance(error, OperationalError | InterfaceError)


def wait_out_busy(
    work: Callable[[], T], patience: float, on_retry: Callable[[], None] | None = None
) -> T:
    """work(), tried again while another process keeps the database busy past the busy
    timeout, for up to `patience` seconds of pauses (2 s, growing to 15 s); on_retry()
    before each new try (work's transaction was rolled back: forget what it counted). Any
    other error, or a busy one once patience is spent, is raised."""
    waited = 0.0
    while True:
        try:
            return work()
        except OperationalError as exc:
            if not is_busy(exc) or waited >= patience:
                raise
        if on_retry is not None:
            on_retry()
        pause = min(2 + waited / 2, 15)
        time.sleep(pause)
        waited += pause
