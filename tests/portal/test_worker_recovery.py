"""A worker killed mid-task: the next worker to start runs the task again, and the e-mail goes.

The dead worker is a real process that has ended; its task is left RUNNING exactly as
django-tasks-db leaves it when `kill -9` cuts a worker off (`make drill` does that for real).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from support.models import EmailStatus, OutgoingEmail


def dead_worker_id() -> str:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{socket.gethostname()[:40]}:{process.pid}:abcdefgh"


def run_worker() -> None:
    call_command(
        "task_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO(),
        stderr=StringIO(),
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_task_left_running_by_a_dead_worker_runs_again(make_booking) -> None:
    make_booking()
    run_worker()  # what the booking queued is sent
    mail.outbox.clear()
    email = OutgoingEmail.objects.latest("pk")
    OutgoingEmail.objects.filter(pk=email.pk).update(status=EmailStatus.PENDING)
    from support.outbox import send_email

    result = send_email.enqueue(email.pk)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now(), worker_ids=[dead_worker_id()]
    )

    run_worker()

    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [email.message_id]
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_task_of_a_live_worker_elsewhere_is_left_alone(make_booking) -> None:
    make_booking()
    run_worker()
    from support.outbox import send_email

    email = OutgoingEmail.objects.latest("pk")
    result = send_email.enqueue(email.pk)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now(),
        worker_ids=["another-machine:1234:abcdefgh"],
    )
    run_worker()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING
