"""Unsubscribes that met a busy database, kept on disk until they can be recorded.

A one-click unsubscribe (RFC 8058) is a mail client's POST: it is not retried, and nobody is
there to read a "try again later". When the database is held by another process past the
web's short wait, the request is appended to a file (flushed and synced before the answer)
and the person is told it is done; the courier records the file's requests first thing in
each round, before it sends anything, so no message they refused goes out.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

from django.conf import settings

from patron.core.db import is_unavailable

from .links import UnsubscribeTarget

logger = logging.getLogger("patron.outreach")
_lock = threading.Lock()


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_for_later(target: UnsubscribeTarget, via: str) -> None:
    """Append the request to the pending file, durably, before the person is answered."""
    line = json.dumps(
        {"party": target.party_id, "channel": target.channel, "purpose": target.purpose, "via": via}
    )
    with _lock, open(_folder() / "unsubscribes.jsonl", "a", encoding="utf-8") as pending:
        pending.write(line + "\n")
        pending.flush()
        os.fsync(pending.fileno())


def record_pending() -> int:
    """Record what waits on disk (the courier calls this before it sends); how many."""
    from .services import do_unsubscribe

    folder = _folder()
    source = folder / "unsubscribes.jsonl"
    working = folder / f"unsubscribes.{os.getpid()}.recording"
    if source.exists() and not working.exists():
        os.replace(source, working)  # new requests go to a fresh file meanwhile
    recorded = 0
    for path in sorted(folder.glob("unsubscribes.*.recording")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in lines:
            try:
                request = json.loads(line)
                target = UnsubscribeTarget(
                    int(request["party"]), str(request["channel"]), str(request["purpose"])
                )
            except (ValueError, KeyError, TypeError):
                logger.error("a pending unsubscribe could not be read: %r", line[:200])
                continue
            try:
                do_unsubscribe(target, via=str(request.get("via", "one_click")))
            except Exception as exc:
                if is_unavailable(exc):
                    return recorded  # still busy: the file stays for the next round
                raise
            recorded += 1
        path.unlink()
    return recorded
