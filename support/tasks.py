"""Background tasks, worked by `manage.py task_worker`. Arguments carry ids only: task rows are
stored in plain text."""

import datetime

from django.tasks import task
from django.utils import timezone, translation

from support import services


@task
def send_email(email_id: int) -> None:
    services.email_deliver(email_id=email_id)


@task
def send_visitor_code(digest: str, sealed_code: str, language: str) -> None:
    """A login code asked for on the site: sent only where the digest has bookings or sign-ups.

    The arguments hold no address: a keyed digest and the code encrypted.
    """
    with translation.override(language):
        services.email_login_code(digest=digest, sealed_code=sealed_code)


# Every half hour: abandoned holds lose their answers within an hour of their expiry.
RETENTION_INTERVAL = datetime.timedelta(minutes=30)


@task
def retention_purge() -> None:
    """Erase expired intakes, then plan the next run: a task that keeps itself going.

    It also queues again the tasks of a worker that died on another machine (portal/worker.py).
    """
    from portal.worker import recover_orphaned_tasks

    recover_orphaned_tasks()
    services.retention_purge()
    schedule_retention_purge(after=timezone.now() + RETENTION_INTERVAL)


def schedule_retention_purge(*, after: datetime.datetime | None = None) -> bool:
    """Queue the purge unless a run is already planned."""
    from django_tasks_db.models import DBTaskResult

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
    from django_tasks_db.models import DBTaskResult

    from support import operations

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
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=worker_heartbeat.module_path, status="READY").exists():
        return False
    worker_heartbeat.using(run_after=after or timezone.now()).enqueue()
    return True
