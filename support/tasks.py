"""Operations' background tasks, worked by `manage.py task_worker`: the retention purge, the
worker's heartbeat and the refresh of helpers' external calendars. How often each runs is in
the one table of periodic jobs, settings.PERIODIC_TASKS; each plans its next run as it ends
(portal/worker.py). The e-mail tasks live with the outbox (support/outbox.py) and the visitor's
login (support/visitor.py). Arguments carry
ids only: task rows are stored in plain text."""

import datetime

from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.worker import plan_next, recover_orphaned_tasks
from support import operations, retention
from support.booking import busyfeeds


@task
def retention_purge() -> None:
    """Erase expired intakes.

    It also queues again the tasks of a worker that died on another machine (portal/worker.py).
    """
    now = timezone.now()
    try:
        recover_orphaned_tasks()
        retention.retention_purge()
    finally:
        plan_next(retention_purge, now)


# Finished heartbeat rows are deleted after this long, so they do not pile up.
HEARTBEAT_RESULTS_KEPT = datetime.timedelta(hours=1)


@task
def worker_heartbeat() -> None:
    """Show the worker is alive and tell coordinators about stuck mail."""
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
        plan_next(worker_heartbeat, now)


# Helpers' external calendars are fetched every quarter of an hour (settings.PERIODIC_TASKS),
# each helper's feeds in a short task of her own, after any e-mail that is waiting: one slow
# calendar host holds the single worker for at most one fetch's deadline, never the mail.
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
        plan_next(busy_feeds_refresh, now)


@task
def busy_feeds_refresh_helper(helper_id: int) -> None:
    """Fetch one helper's external calendars."""
    busyfeeds.busy_feeds_refresh_helper(helper_id=helper_id)
