"""Long work that people watch (imports, scoring runs): every run ends honestly.

A run is queued, then running in one process, then done, failed with its reason, or
interrupted when the process that ran it died. The process writes its identity (host, pid and
the pid's start time, so a reused pid is not mistaken for it) and a heartbeat; a running run
whose process is gone from this host, or whose heartbeat is older than the lease, is marked
interrupted by ``reap_interrupted_runs()``, which the worker and the pages call.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A run on another machine is presumed dead when it has not written a heartbeat for this long
# (a batch waiting on a busy database can be silent for minutes; on this machine the pid tells).
LEASE = dt.timedelta(minutes=10)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the background worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted")


FINISHED = (RunStatus.DONE, RunStatus.FAILED, RunStatus.INTERRUPTED)


class TrackedRun(models.Model):
    status = models.CharField(max_length=16, choices=RunStatus, default=RunStatus.QUEUED)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True)  # this_process() of the runner
    # Why it failed or stopped, as a message (core.wording), or null.
    problem = models.JSONField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    def claim(self) -> bool:
        """Start a queued run in this process; False when another process started it first."""
        now = timezone.now()
        claimed = (
            type(self)
            .objects.filter(pk=self.pk, status=RunStatus.QUEUED)
            .update(status=RunStatus.RUNNING, worker=this_process(), heartbeat_at=now, problem=None)
        )
        if claimed:
            self.status, self.worker, self.heartbeat_at, self.problem = (
                RunStatus.RUNNING,
                this_process(),
                now,
                None,
            )
        return claimed == 1

    def mark_running(self) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            status=RunStatus.RUNNING, worker=this_process(), heartbeat_at=now, problem=None
        )
        self.status, self.worker, self.heartbeat_at, self.problem = (
            RunStatus.RUNNING,
            this_process(),
            now,
            None,
        )

    def beat(self, **progress: Any) -> None:
        """Say this run is alive, with any progress fields to store beside the heartbeat."""
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(heartbeat_at=now, **progress)
        self.heartbeat_at = now
        for name, value in progress.items():
            setattr(self, name, value)

    def mark_finished(self, status: str, problem: dict | None = None, **fields: Any) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            status=status, finished_at=now, heartbeat_at=now, problem=problem, **fields
        )
        self.status, self.finished_at, self.problem = status, now, problem
        for name, value in fields.items():
            setattr(self, name, value)


@cache
def this_process() -> str:
    """host:pid:start — unique for this process's life, whatever the pid is reused for later."""
    pid = os.getpid()
    return f"{socket.gethostname()[:60]}:{pid}:{_start_time(pid) or 0}"


def _start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # Field 22 (starttime); the command name in field 2 may hold spaces: split after ")".
            return int(stat.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def process_alive(token: str) -> bool | None:
    """True or False for a process of this host; None for another host's (ask the lease)."""
    try:
        host, pid_text, start_text = token.rsplit(":", 2)
        pid, start = int(pid_text), int(start_text)
    except ValueError:
        return None
    if host != socket.gethostname()[:60]:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by another user
    current = _start_time(pid)
    return current is None or start == 0 or current == start


def run_is_dead(worker: str, heartbeat_at: dt.datetime | None, now: dt.datetime) -> bool:
    alive = process_alive(worker) if worker else None
    if alive is not None:
        return not alive
    return heartbeat_at is None or now - heartbeat_at > LEASE


def tracked_run_models() -> list[type[TrackedRun]]:
    return [model for model in apps.get_models() if issubclass(model, TrackedRun)]


def reap_interrupted_runs() -> int:
    """Mark running runs whose process died as interrupted; how many were."""
    now = timezone.now()
    reaped = 0
    for model in tracked_run_models():
        running = model.objects.filter(status=RunStatus.RUNNING).values_list(
            "pk", "worker", "heartbeat_at"
        )
        for pk, worker, heartbeat_at in running:
            if run_is_dead(worker, heartbeat_at, now):
                reaped += model.objects.filter(pk=pk, status=RunStatus.RUNNING).update(
                    status=RunStatus.INTERRUPTED,
                    finished_at=now,
                    problem={"code": "run.interrupted"},
                )
    return reaped


# A worker writes its heartbeat this often; one silent for WORKER_SILENCE is not running.
WORKER_BEAT = dt.timedelta(seconds=10)
WORKER_SILENCE = dt.timedelta(seconds=60)


def workers_running() -> int:
    """How many background workers are alive now (the dashboard warns when none is)."""
    from .models import WorkerBeat

    now = timezone.now()
    alive = 0
    for token, _beat_at in WorkerBeat.objects.filter(beat_at__gte=now - WORKER_SILENCE).values_list(
        "token", "beat_at"
    ):
        if process_alive(token) is not False:
            alive += 1
    return alive
