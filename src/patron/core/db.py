"""What a database error means for the person waiting: busy (wait and try again), or away."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

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
