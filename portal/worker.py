"""The worker's own care: tasks whose worker died run again, and the periodic jobs are planned.

Tasks whose worker died while running them (a crash, `kill -9`, a machine gone) run again.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again if
that worker dies, so an e-mail would wait forever. Our workers (`manage.py task_worker`) carry
an id of the form `host:pid:random`. A RUNNING task is orphaned when its worker was on this
machine and that process is gone (seen by every worker that starts here: at once), or when it
has been running for longer than ORPHANED_AFTER (seen by the half-hourly purge on any machine).
Orphans go back to READY. Running a task again is safe: an e-mail is sent under a row lock and
only while it is still pending, so at most the one cut off mid-send arrives twice, with the
same Message-ID.
"""

from __future__ import annotations

import datetime
import os
import socket

from django.conf import settings
from django.db import transaction
from django.tasks import Task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

# Far longer than any task takes (an e-mail gives up on the mail server after 20 s).
ORPHANED_AFTER = datetime.timedelta(minutes=15)


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _process_is_a_worker(pid: int) -> bool:
    try:
        command = open(f"/proc/{pid}/cmdline", "rb").read()  # noqa: SIM115
    except OSError:
        return False
    return b"task_worker" in command or b"db_worker" in command


def is_orphaned(worker_ids: list[str], started_at: datetime.datetime | None, now) -> bool:
    if started_at is None or now - started_at > ORPHANED_AFTER:
        return True
    host, _sep, rest = (worker_ids[-1] if worker_ids else "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False  # another machine's worker, or an id of unknown form: only by age
    return int(pid) != os.getpid() and not _process_is_a_worker(int(pid))


def recover_orphaned_tasks() -> int:
    """Put the RUNNING tasks of dead workers back in the queue; returns how many."""
    now = timezone.now()
    recovered = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        for task in running.only("id", "worker_ids", "started_at"):
            if is_orphaned(task.worker_ids, task.started_at, now):
                DBTaskResult.objects.filter(pk=task.pk).update(status=TaskResultStatus.READY)
                recovered += 1
    return recovered


# -- the schedule: the periodic jobs are listed in settings.PERIODIC_TASKS (path -> interval) ---


def _planned(task: Task, statuses: tuple[str, ...]) -> bool:
    return DBTaskResult.objects.filter(task_path=task.module_path, status__in=statuses).exists()


def ensure_schedule() -> list[str]:
    """Queue, to run now, every periodic job that is neither planned nor running; returns the
    paths of those queued. The worker does this when it starts (and `purge_intakes
    --schedule`, the systemd timer's backstop)."""
    queued = []
    for path in settings.PERIODIC_TASKS:
        task: Task = import_string(path)
        if not _planned(task, (TaskResultStatus.READY, TaskResultStatus.RUNNING)):
            task.enqueue()
            queued.append(path)
    return queued


def plan_next(task: Task, now: datetime.datetime | None = None) -> bool:
    """Called by a periodic job as it ends: queue its next run one interval after `now` (when
    it began), unless a run is already planned."""
    if _planned(task, (TaskResultStatus.READY,)):
        return False
    interval = settings.PERIODIC_TASKS[task.module_path]
    task.using(run_after=(now or timezone.now()) + interval).enqueue()
    return True
