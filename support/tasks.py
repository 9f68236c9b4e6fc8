"""Operations' background tasks, worked by `manage.py task_worker`: the retention purge and the
worker's heartbeat, each planning its next run. The e-mail tasks live with the outbox
(support/outbox.py). Arguments carry ids only: task rows are stored in plain text."""

import datetime

from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.worker import recover_orphaned_tasks
from support import operations, retention
from support.booking import busyfeeds

# Rows queued before the e-mail tasks moved to support/outbox.py name them by these paths.
from support.outbox import send_email, send_visitor_code

__all__ = [
    "busy_feeds_refresh",
    "busy_feeds_refresh_helper",
    "retention_purge",
    "schedule_busy_feeds_refresh",
    "schedule_retention_purge",
    "schedule_worker_heartbeat",
    "send_email",
    "send_visitor_code",
    "worker_heartbeat",
]


# Every half hour: abandoned holds lose their answers within an hour of their expiry.
RETENTION_INTERVAL = datetime.timedelta(minutes=30)


@task
def retention_purge() -> None:
    """Erase expired intakes, then plan the next run: a task that keeps itself going.

    It also queues again the tasks of a worker that died on another machine (portal/worker.py).
    """
    recover_orphaned_tasks()
    retention.retention_purge()
    schedule_retention_purge(after=timezone.now() + RETENTION_INTERVAL)


def schedule_retention_purge(*, after: datetime.datetime | None = None) -> bool:
    """Queue the purge unless a run is already planned."""
    if DBTaskResult.objects.filter(task_path=retention_purge.module_path, status="READY").exists():
        return False
    retention_purge.using(run_after=after or timezone.now()).enqueue()
    return True


# The worker beats every half minute; /readyz fails after two minutes without a beat.
HEARTBEAT_INTERVAL = datetime.timedelta(seconds=30)
# Finished heartbeat rows are deleted after this long, so they do not pile up.
HEARTBEAT_RESULTS_KEPT = datetime.timedelta(hours=1)


@task
def worker_heartbeat() -> None:
    """Show the worker is alive, tell coordinators about stuck mail, and plan the next beat."""
    now = timezone.now()
    try:
        operations.beat(now)
        operations.notify_mail_trouble(now)
        DBTaskResult.objects.filter(
            task_path=worker_heartbeat.module_path,
            status__in=["SUCCESSFUL", "FAILED"],
            finished_at__lt=now - HEARTBEAT_RESULTS_KEPT,
        ).delete()
    finally:
        schedule_worker_heartbeat(after=now + HEARTBEAT_INTERVAL)


def schedule_worker_heartbeat(*, after: datetime.datetime | None = None) -> bool:
    """Queue the heartbeat unless one is already planned."""
    if DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path, status="READY").exists():
        return False
    worker_heartbeat.using(run_after=after or timezone.now()).enqueue()
    return True


# Helpers' external calendars are fetched every quarter of an hour, each helper's feeds in a
# short task of her own, after any e-mail that is waiting: one slow calendar host holds the
# single worker for at most one fetch's deadline (busyfeeds.FETCH_TIMEOUT), never the mail.
BUSY_FEEDS_INTERVAL = datetime.timedelta(minutes=15)
BUSY_FEEDS_PRIORITY = -10  # below the e-mail tasks' default of 0


@task
def busy_feeds_refresh() -> None:
    """Queue a refresh of every helper's external calendars, then plan the next run.

    A feed that fails keeps its last good busy times (support/booking/busyfeeds.py).
    """
    now = timezone.now()
    try:
        for helper_id in busyfeeds.helpers_with_feeds():
            busy_feeds_refresh_helper.using(priority=BUSY_FEEDS_PRIORITY).enqueue(helper_id)
    finally:
        schedule_busy_feeds_refresh(after=now + BUSY_FEEDS_INTERVAL)


@task
def busy_feeds_refresh_helper(helper_id: int) -> None:
    """Fetch one helper's external calendars."""
    busyfeeds.busy_feeds_refresh_helper(helper_id=helper_id)


def schedule_busy_feeds_refresh(*, after: datetime.datetime | None = None) -> bool:
    """Queue the feeds' refresh unless a run is already planned."""
    if DBTaskResult.objects.filter(
        task_path=busy_feeds_refresh.module_path, status="READY"
    ).exists():
        return False
    busy_feeds_refresh.using(
        run_after=after or timezone.now(), priority=BUSY_FEEDS_PRIORITY
    ).enqueue()
    return True
