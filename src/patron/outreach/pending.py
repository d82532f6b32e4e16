"""Unsubscribes that met a busy database, kept on disk until they can be recorded.

A one-click unsubscribe (RFC 8058) is a mail client's POST: it is not retried, and nobody is
there to read a "try again later". When the database is held by another process past the
web's short wait, the request is written to a file of its own (written whole under a
temporary name, synced, then renamed, so a reader never sees half of one and no two web
processes write the same file) and the person is told it is done. The courier records the
waiting requests first thing in each round; while any still cannot be recorded, it sends
nothing, so no message they refused goes out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from patron.core.db import is_unavailable
from patron.core.runs import process_alive, this_process

from .links import UnsubscribeTarget

logger = logging.getLogger("patron.outreach")

WAITING = ".json"  # a request written whole, waiting to be recorded
TAKEN = ".taken-"  # a request a courier is recording: "<name>.json.taken-<host:pid:start>"


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / "pending"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_for_later(target: UnsubscribeTarget, via: str) -> None:
    """Write the request durably, in a file of its own, before the person is answered."""
    data = json.dumps(
        {"party": target.party_id, "channel": target.channel, "purpose": target.purpose, "via": via}
    ).encode()
    folder = _folder()
    # Named by time first, so requests are recorded in the order they came.
    name = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
    partial = folder / f"{name}.partial"
    with open(partial, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.rename(partial, folder / f"{name}{WAITING}")
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is synced."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass
class PendingReport:
    recorded: int = 0
    waiting: int = 0  # requests still on disk: the database is still busy


def record_pending() -> PendingReport:
    """Record what waits on disk (the courier calls this before it sends)."""
    folder = _folder()
    _adopt_one_file_lists(folder)
    _take_back_from_the_dead(folder)
    report = PendingReport()
    names = sorted(path.name for path in folder.glob(f"*{WAITING}"))
    for position, name in enumerate(names):
        taken = folder / f"{name}{TAKEN}{this_process()}"
        try:
            os.rename(folder / name, taken)  # one courier takes each request
        except FileNotFoundError:
            continue  # another courier took it
        try:
            recorded = _record(taken)
        except Exception as exc:
            os.rename(taken, folder / name)  # back for the next round
            if is_unavailable(exc):
                report.waiting = len(names) - position
                return report
            raise
        taken.unlink()
        report.recorded += recorded
    return report


def _record(path: Path) -> int:
    from .services import do_unsubscribe

    line = path.read_text(encoding="utf-8", errors="replace")
    try:
        request = json.loads(line)
        target = UnsubscribeTarget(
            int(request["party"]), str(request["channel"]), str(request["purpose"])
        )
    except (ValueError, KeyError, TypeError):
        logger.error("a pending unsubscribe could not be read: %r", line[:200])
        return 0
    do_unsubscribe(target, via=str(request.get("via", "one_click")))
    return 1


def _take_back_from_the_dead(folder: Path) -> None:
    """Requests a courier took and died before recording go back to waiting."""
    for path in folder.glob(f"*{WAITING}{TAKEN}*"):
        name, _, holder = path.name.partition(TAKEN)
        if holder != this_process() and process_alive(holder) is False:
            with contextlib.suppress(FileNotFoundError):  # another courier took it back
                os.rename(path, folder / name)


def _adopt_one_file_lists(folder: Path) -> None:
    """Patron before 2026-12 appended every request to one file: each of its lines becomes
    a request of its own, so none written before an upgrade is lost."""
    for path in [folder / "unsubscribes.jsonl", *folder.glob("unsubscribes.*.recording")]:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                name = f"{time.time_ns():020d}-{uuid.uuid4().hex}"
                (folder / f"{name}.partial").write_text(line, encoding="utf-8")
                os.rename(folder / f"{name}.partial", folder / f"{name}{WAITING}")
        path.unlink()
