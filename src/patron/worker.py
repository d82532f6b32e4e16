"""`patron worker`: the background worker, and the supervisor that keeps one running.

The worker is django-tasks-db's, with what a shop's single machine needs on top:
- it names itself by its process (core.runs.this_process) and beats a heartbeat, so the pages
  can say when background work is not running;
- a task whose worker died (killed, machine restarted) is found by that name: an import is
  left interrupted for a person to resume (its run says what was kept), any other task is
  queued again, up to three tries;
- a busy database (another process holding the write lock) is waited out, never fatal.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
import threading
import time

from django.db import OperationalError, close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

from patron.core.models import WorkerBeat
from patron.core.runs import WORKER_BEAT, process_alive, reap_interrupted_runs, this_process
from patron.jobs import courier_round, purge_uploads, requeue_lost_imports

logger = logging.getLogger("patron.worker")

MAX_TRIES = 3
# Tasks a person restarts by hand (their run shows what was kept): not retried on their own.
NOT_RETRIED = ("patron.jobs.import_file",)


class PatronWorker(Worker):
    def __init__(self, *, batch: bool = False, interval: float = 1.0) -> None:
        super().__init__(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=this_process(),
            excluded_queue_names=[],
        )

    def run(self) -> None:
        housekeeping()
        heartbeat = None if self.batch else _Heartbeat(self.worker_id)
        courier = None if self.batch else _Courier()
        for thread in (heartbeat, courier):
            if thread is not None:
                thread.start()
        try:
            while self.running:
                try:
                    super().run()
                    return
                except OperationalError as exc:
                    if not is_locked_database_exception(exc):
                        raise
                    # Another process held the write lock past the busy timeout: wait and
                    # carry on, as a person would.
                    logger.warning("database busy; the worker waits and tries again")
                    close_old_connections()
                    time.sleep(self.interval or 1.0)
        finally:
            for thread in (heartbeat, courier):
                if thread is not None:
                    thread.stop()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        retry_if_busy(db_task_result)


def retry_if_busy(result: DBTaskResult) -> bool:
    """A task that failed only because another process kept the database busy is queued
    again a little later (up to MAX_TRIES runs), rather than lost."""
    if result.status != "FAILED" or not result.exception_class_path.endswith("OperationalError"):
        return False
    if not any(word in result.traceback.lower() for word in ("locked", "lock timeout")):
        return False
    if len(result.worker_ids) >= MAX_TRIES:
        return False
    delay = dt.timedelta(seconds=30 * len(result.worker_ids))
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="READY", run_after=timezone.now() + delay, finished_at=None
    )
    logger.warning("task %s met a busy database; it runs again in %s", result.pk, delay)
    return True


_PURGE_EVERY = 600.0  # seconds between sweeps of the uploads directory
_last_purge = 0.0


def housekeeping(token: str | None = None) -> None:
    """Say this worker is alive, settle what dead processes left behind, and now and then
    remove stored uploads nobody needs any more."""
    global _last_purge
    if token:
        WorkerBeat.objects.update_or_create(token=token, defaults={"beat_at": timezone.now()})
    reap_interrupted_runs()
    requeue_orphaned_tasks()
    requeue_lost_imports()
    if time.monotonic() - _last_purge > _PURGE_EVERY:
        _last_purge = time.monotonic()
        purge_uploads()


class _Heartbeat(threading.Thread):
    """Beats beside the worker, also while a long task runs (a thread of its own, with its
    own database connection; a beat that meets a busy database simply waits for the next)."""

    def __init__(self, token: str) -> None:
        super().__init__(name="patron-worker-heartbeat", daemon=True)
        self.token = token
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                housekeeping(self.token)
            except OperationalError:
                logger.warning("database busy; the heartbeat waits for the next beat")
            except Exception:
                # Whatever went wrong, the heartbeat goes on: a silent worker looks dead.
                logger.exception("housekeeping failed; the heartbeat goes on")
            finally:
                connection.close()
            self.stopping.wait(WORKER_BEAT.total_seconds())

    def stop(self) -> None:
        self.stopping.set()


class _Courier(threading.Thread):
    """Delivers the outbox beside the tasks (a long import never holds up a receipt or an
    incident notice): a batch at a time, a second's pause when nothing is due."""

    def __init__(self) -> None:
        super().__init__(name="patron-courier", daemon=True)
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            counts: dict = {}
            try:
                counts = courier_round()
            except OperationalError:
                logger.warning("database busy; the courier waits")
            except Exception:
                logger.exception("delivery failed; the courier goes on")
            finally:
                connection.close()
            if not counts:
                self.stopping.wait(COURIER_IDLE)

    def stop(self) -> None:
        self.stopping.set()


COURIER_IDLE = 1.0  # seconds between looks at an empty outbox


def requeue_orphaned_tasks() -> int:
    """Tasks left "running" by a worker that died: queued again, or failed after MAX_TRIES."""
    moved = 0
    for result in DBTaskResult.objects.running():
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if not worker or process_alive(worker) is not False:
            continue  # alive, or on another machine (its own worker reaps it)
        if result.task_path in NOT_RETRIED or len(result.worker_ids) >= MAX_TRIES:
            status = "FAILED"
        else:
            status = "READY"
        moved += DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
            status=status, finished_at=timezone.now() if status == "FAILED" else None
        )
    return moved


def run_worker(*, batch: bool = False) -> None:
    worker = PatronWorker(batch=batch)
    if not batch:
        worker.configure_signals()
    worker.run()


STOP_TIMEOUT = 10.0  # seconds the worker has to finish what it holds when Patron stops


class Supervisor:
    """Runs `patron worker` as a child process and starts it again whenever it exits."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "patron.cli", "worker"]
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.restarts = 0

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="patron-worker-supervisor", daemon=True)
        thread.start()
        return thread

    def _loop(self) -> None:
        delay = 1.0
        while not self.stopping.is_set():
            started = time.monotonic()
            # A session of its own: Ctrl+C in the terminal stops `patron serve`, whose exit
            # then stops the worker (stop()); sent to the worker too, it died first and was
            # started again during the shutdown, which then waited on the new one.
            self.process = subprocess.Popen(self.command, start_new_session=True)
            code = self.process.wait()
            if self.stopping.is_set():
                return
            # A worker that ran for a while is restarted at once; one that keeps dying at
            # start waits longer each time (up to a minute), so it cannot spin.
            delay = 1.0 if time.monotonic() - started > 60 else min(delay * 2, 60.0)
            self.restarts += 1
            print(
                f"patron: the background worker stopped (exit {code}); starting it again "
                f"in {delay:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            self.stopping.wait(delay)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """The worker is asked to stop (it finishes the message or batch in hand) and killed
        if it has not within ``timeout``: whatever it was doing is left to be resumed."""
        self.stopping.set()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
