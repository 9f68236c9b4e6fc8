"""One schedule: the periodic jobs are listed in settings.PERIODIC_TASKS, and a worker started on
a fresh deployment plans and runs every one of them, with no scheduling step of its own."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.worker import ensure_schedule

ROOT = Path(__file__).resolve().parents[2]


def start_worker() -> str:
    """`manage.py task_worker`, until nothing is due; what it said when it started."""
    said = StringIO()
    call_command(
        "task_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO(),
        stderr=said,
    )  # fmt: skip
    return said.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_a_fresh_deployment_runs_and_plans_every_periodic_job(client: Client) -> None:
    assert not DBTaskResult.objects.exists()
    assert client.get("/readyz").status_code == 503  # no worker seen yet
    began = timezone.now()
    said = start_worker()
    for path, interval in settings.PERIODIC_TASKS.items():
        assert path in said
        rows = DBTaskResult.objects.filter(task_path=path)
        assert rows.filter(status="SUCCESSFUL").count() == 1, path  # ran at once
        (planned,) = rows.filter(status="READY")  # and planned its next run, once
        slack = datetime.timedelta(seconds=30)
        assert began + interval <= planned.run_after <= timezone.now() + interval + slack, path
    assert client.get("/readyz").status_code == 200  # the heartbeat beat
    # A second worker starting finds every job planned and queues nothing.
    assert "periodic job" not in start_worker()
    assert not ensure_schedule()


@pytest.mark.django_db
def test_a_job_that_is_planned_or_running_is_not_queued_again() -> None:
    queued = ensure_schedule()
    assert queued == list(settings.PERIODIC_TASKS)
    DBTaskResult.objects.filter(task_path=queued[0]).update(status="RUNNING")
    assert ensure_schedule() == []
    DBTaskResult.objects.filter(task_path=queued[1]).delete()  # went missing (a restore)
    out = StringIO()
    call_command("purge_intakes", "--schedule", stdout=out)  # the systemd timer's backstop
    assert f"Queued {queued[1]}." in out.getvalue()
    assert DBTaskResult.objects.filter(task_path=queued[1], status="READY").count() == 1


def test_make_run_has_no_scheduling_step() -> None:
    """The worker plans the jobs itself: `make run` starts the server and the worker only."""
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:")[1].split("\n\n")[0]
    assert "task_worker" in run and "--schedule" not in run
