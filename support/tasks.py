"""Operations' background tasks, worked by `manage.py task_worker`: the retention purge, the
worker's heartbeat and the refresh of helpers' external calendars. How often each runs is in
the one table of periodic jobs, settings.PERIODIC_TASKS; each plans its next run as it ends
(portal/worker.py). The e-mail tasks live with the outbox (support/outbox.py). Arguments carry
ids only: task rows are stored in plain text."""

import datetime

from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.worker import plan_next, recover_orphaned_tasks
from support import operations, retention
from support.booking import busyfeeds

# Rows queued before the e-mail tasks moved to support/outbox.py name them by these paths.
from support.outbox import send_email, send_visitor_code

__all__ = [
    "busy_feeds_refresh",
    "retention_purge",
    "send_email",
    "send_visitor_code",
    "worker_heartbeat",
]


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


@task
def busy_feeds_refresh() -> None:
    """Fetch every helper's external calendar.

    A feed that fails keeps its last good busy times (support/booking/busyfeeds.py).
    """
    now = timezone.now()
    try:
        busyfeeds.busy_feeds_refresh_all(now=now)
    finally:
        plan_next(busy_feeds_refresh, now)
