"""What an operator watches: the worker's heartbeat, the e-mail outbox, and the notice to
coordinators when mail gets stuck. Used by the worker (support/tasks.py), /readyz, /metrics
and the admin's front page. Nothing here reads a personal field.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.core import GaugeMetricFamily

from support.models import Booking, BookingStatus, EmailStatus, OpsMarker, OutgoingEmail
from support.outbox import staff_email_send

logger = logging.getLogger(__name__)

# The staff group of coordinators: they keep the directory and hear about mail trouble.
COORDINATORS = "Coördinatoren"
HEARTBEAT = "worker-heartbeat"
MAIL_NOTICE = "mail-notice"
# /readyz fails when the worker has not beaten for this long.
HEARTBEAT_MAX_AGE = datetime.timedelta(minutes=2)
# Mail is stuck when the oldest e-mail due has waited this long...
STUCK_AFTER = datetime.timedelta(hours=1)
# ...and coordinators hear about trouble at most this often.
NOTICE_INTERVAL = datetime.timedelta(hours=6)
WAITING_TOO_LONG = datetime.timedelta(hours=48)


def beat(now: datetime.datetime | None = None) -> None:
    OpsMarker.objects.update_or_create(name=HEARTBEAT, defaults={"at": now or timezone.now()})


def heartbeat_age(now: datetime.datetime | None = None) -> datetime.timedelta | None:
    """How long ago the worker last beat; None if it never has."""
    marker = OpsMarker.objects.filter(name=HEARTBEAT).first()
    return None if marker is None else (now or timezone.now()) - marker.at


def worker_alive(now: datetime.datetime | None = None) -> bool:
    age = heartbeat_age(now)
    return age is not None and age < HEARTBEAT_MAX_AGE


def worker_problem() -> str | None:
    """Why the worker (e-mail, reminders, purge) does not count as running, for /readyz."""
    age = heartbeat_age()
    if age is None:
        return "worker never seen (is `manage.py task_worker` running?)"
    if age >= HEARTBEAT_MAX_AGE:
        return f"worker silent for {int(age.total_seconds())} s"
    return None


@dataclass(frozen=True)
class MailState:
    counts: dict[str, int]  # per EmailStatus value
    oldest_unsent_age: datetime.timedelta | None  # of the e-mails due now
    newest_failed_id: int

    @property
    def failed(self) -> int:
        return self.counts.get(EmailStatus.FAILED, 0)

    @property
    def stuck(self) -> bool:
        return self.oldest_unsent_age is not None and self.oldest_unsent_age > STUCK_AFTER


def mail_state(now: datetime.datetime | None = None) -> MailState:
    now = now or timezone.now()
    counts = dict.fromkeys(EmailStatus.values, 0)
    for row in OutgoingEmail.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    # A reminder waits for its time on purpose: it is due from `send_after`, not before.
    due_since = (
        OutgoingEmail.objects.filter(status=EmailStatus.PENDING)
        .annotate(due=Coalesce("send_after", "created_at"))
        .filter(due__lte=now)
        .aggregate(oldest=Min("due"))["oldest"]
    )
    newest_failed = (
        OutgoingEmail.objects.filter(status=EmailStatus.FAILED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return MailState(
        counts=counts,
        oldest_unsent_age=None if due_since is None else now - due_since,
        newest_failed_id=newest_failed or 0,
    )


def live_holds(now: datetime.datetime | None = None) -> int:
    return Booking.objects.live_holds(now).count()


def bookings_waiting_too_long(now: datetime.datetime | None = None) -> int:
    """Requests a helper has not answered within 48 hours."""
    return Booking.objects.filter(
        status=BookingStatus.REQUESTED,
        requested_at__lt=(now or timezone.now()) - WAITING_TOO_LONG,
    ).count()


def coordinators() -> list[User]:
    return list(
        User.objects.filter(groups__name=COORDINATORS, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )


def notify_mail_trouble(now: datetime.datetime | None = None) -> bool:
    """Tell the coordinators, once, when an e-mail failed for good or mail is stuck.

    At most one notice per NOTICE_INTERVAL; a failure already reported is not reported again.
    Sent directly, not through the outbox that may be what is stuck; if the mail server is
    down this fails too, and the admin's front page still shows the trouble.
    """
    now = now or timezone.now()
    state = mail_state(now)
    marker = OpsMarker.objects.filter(name=MAIL_NOTICE).first()
    reported_failed = marker.value if marker else 0
    new_failure = state.newest_failed_id > reported_failed
    if not (new_failure or state.stuck):
        return False
    if marker is not None and now - marker.at < NOTICE_INTERVAL:
        return False
    OpsMarker.objects.update_or_create(
        name=MAIL_NOTICE, defaults={"at": now, "value": state.newest_failed_id}
    )
    age = state.oldest_unsent_age
    minutes = int(age.total_seconds() // 60) if state.stuck and age is not None else 0
    context = {"failed": state.failed, "stuck_minutes": minutes}
    for user in coordinators():
        try:
            staff_email_send(user=user, kind="mail_trouble", context=context)
        except Exception:  # the mail server may be the trouble; the admin shows it anyway
            logger.warning("The notice about stuck e-mail could not be sent.", exc_info=True)
            break
    return True


# -- /metrics ------------------------------------------------------------------------------------


class DatabaseGauges:
    """Gauges read from the database at each scrape (/metrics, METRICS_COLLECTORS)."""

    def describe(self) -> list:
        return []  # no database query when registered

    def collect(self):
        now = timezone.now()
        state = mail_state(now)
        emails = GaugeMetricFamily(
            "houvast_emails", "E-mails in the outbox, per status.", labels=["status"]
        )
        names: dict[str, str] = {
            EmailStatus.PENDING: "queued",
            EmailStatus.SENT: "sent",
            EmailStatus.FAILED: "failed",
            EmailStatus.SKIPPED: "skipped",
        }
        for status, count in state.counts.items():
            emails.add_metric([names.get(status, status)], count)
        yield emails
        oldest = state.oldest_unsent_age
        yield GaugeMetricFamily(
            "houvast_email_oldest_unsent_age_seconds",
            "How long the oldest e-mail that is due has waited (0: none waiting).",
            value=oldest.total_seconds() if oldest else 0,
        )
        yield GaugeMetricFamily(
            "houvast_task_backlog",
            "Background tasks due now and not yet started.",
            value=DBTaskResult.objects.ready().count(),
        )
        age = heartbeat_age(now)
        yield GaugeMetricFamily(
            "houvast_worker_heartbeat_age_seconds",
            "Seconds since the worker's last heartbeat (-1: never).",
            value=age.total_seconds() if age is not None else -1,
        )
        yield GaugeMetricFamily(
            "houvast_live_holds",
            "Times held by visitors right now.",
            value=live_holds(now),
        )
        yield GaugeMetricFamily(
            "houvast_bookings_waiting_over_48h",
            "Requests a helper has not answered within 48 hours.",
            value=bookings_waiting_too_long(now),
        )
