"""What an operator watches: /readyz with the worker's heartbeat, /metrics for a scraper only,
and coordinators told when e-mail fails."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.worker import ensure_schedule
from support import links
from support.booking import services as booking_services
from support.models import Booking, EmailStatus, OpsMarker, OutgoingEmail
from support.tasks import worker_heartbeat
from tests.support.test_emails import smtp  # noqa: F401

TOKEN = "metrics-token-for-tests-0123456789"


def run_worker_now(work_queue) -> None:
    """The worker works whatever is due; a heartbeat planned for later is due now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    work_queue()


def test_readyz_follows_the_worker_heartbeat(work_queue, settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    client = Client(headers={"Authorization": f"Bearer {TOKEN}"})
    # No worker has ever run: not ready, and the answer says why, to the monitoring only.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert b"worker never seen" in response.content
    public = Client().get("/readyz")
    assert (public.status_code, public.content) == (503, b"unavailable\n")

    assert "support.tasks.worker_heartbeat" in ensure_schedule()
    assert not ensure_schedule()  # planned once
    work_queue()
    response = client.get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    # The heartbeat planned its next beat.
    assert DBTaskResult.objects.filter(
        task_path="support.tasks.worker_heartbeat", status="READY"
    ).exists()

    # The worker stops: its clock stands still while time goes on three minutes.
    OpsMarker.objects.filter(name="worker-heartbeat").update(
        at=F("at") - datetime.timedelta(minutes=3)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert re.match(rb"worker silent for 1[89]\d s", response.content)
    # /healthz stays a cheap liveness check: the web process itself is fine.
    assert client.get("/healthz").status_code == 200

    # The worker comes back and beats again.
    run_worker_now(work_queue)
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_metrics_are_refused_without_the_token_or_an_allowed_address(
    client: Client, settings
) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 403
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 403
    ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200
    assert ok["Content-Type"].startswith("text/plain; version=")

    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.1.2.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.3.7").status_code == 403
    assert client.get("/metrics").status_code == 403  # 127.0.0.1
    # Through a proxy every request has the proxy's address: the address alone is not enough.
    forwarded = client.get(
        "/metrics", REMOTE_ADDR="10.1.2.7", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert forwarded.status_code == 403


def scrape(client: Client) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, name: str, labels: str = "") -> float:
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else "") + r" (\S+)"
    match = re.search("^" + pattern + "$", text, re.MULTILINE)
    assert match, f"{name}{{{labels}}} not in metrics"
    return float(match[1])


@pytest.mark.django_db
def test_metrics_name_views_never_urls_and_show_the_outbox_and_bookings(
    client: Client, settings, make_booking, make_offer
) -> None:
    settings.METRICS_TOKEN = TOKEN
    booking = make_booking()
    url = links.booking_url(booking)
    token = url.rstrip("/").rsplit("/", 1)[1]
    # The link is exchanged for the session and a page without the token.
    assert client.get(url, follow=True).redirect_chain == [(f"/afspraak/{booking.pk}/", 302)]
    client.get("/zoeken/?q=mijn+geheim")

    # A request that waits for a helper's answer for three days, a live hold, a failed e-mail
    # and one due for two hours.
    old = make_booking(days=9)
    Booking.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=3)
    )
    booking_services.booking_hold(
        offer=make_offer(), start=booking.starts_at + datetime.timedelta(days=1), hold_key="h"
    )
    OutgoingEmail.objects.filter(booking=booking).update(status=EmailStatus.FAILED)
    OutgoingEmail.objects.filter(booking=old, kind="booking_received").update(
        created_at=timezone.now() - datetime.timedelta(hours=2)
    )

    text = scrape(client)
    assert token not in text
    assert "geheim" not in text
    requests = 'method="GET",status="302",view="support:booking_manage"'
    assert sample(text, "houvast_http_requests_total", requests) >= 1
    page = 'view="support:booking_page"'  # the page that asks for the code, a 403
    assert sample(text, "houvast_http_request_duration_seconds_count", page) >= 1
    assert f"/afspraak/{booking.pk}/" not in text
    search = 'view="articles:search"'
    assert sample(text, "houvast_http_request_duration_seconds_count", search) >= 1
    assert sample(text, "houvast_emails", 'status="failed"') >= 1
    assert sample(text, "houvast_emails", 'status="queued"') >= 1
    assert sample(text, "houvast_email_oldest_unsent_age_seconds") >= 2 * 3600 - 60
    assert sample(text, "houvast_task_backlog") >= 1
    assert sample(text, "houvast_worker_heartbeat_age_seconds") == -1
    assert sample(text, "houvast_live_holds") == 1
    assert sample(text, "houvast_bookings_waiting_over_48h") == 1


def test_coordinators_are_told_once_when_mail_fails_and_the_admin_shows_it(
    smtp,  # noqa: F811
    make_booking,
    make_account,
    work_queue,
) -> None:
    smtp.start()
    coordinator = make_account("coordinator", "coordinator@example.org")
    make_booking(email="weiger@example.org", name="Saskia Geheim")
    worker_heartbeat.enqueue()
    work_queue()  # the booking's e-mail is refused for good
    run_worker_now(work_queue)  # the next heartbeat notices
    assert OutgoingEmail.objects.filter(status=EmailStatus.FAILED).count() == 1
    notices = [m for m in smtp.messages if "coordinator@example.org" in m["To"]]
    assert len(notices) == 1
    body = notices[0].get_payload(decode=True).decode()
    assert "1 e-mail van de site kon niet worden verstuurd" in body
    for private in ("weiger", "Saskia", "Geheim", "/afspraak/"):
        assert private not in body + notices[0]["Subject"]

    # Another failure and another beat within six hours: no second notice.
    make_booking(days=6, email="weiger2@example.org")
    run_worker_now(work_queue)
    assert OutgoingEmail.objects.filter(status=EmailStatus.FAILED).count() == 2
    assert len([m for m in smtp.messages if "coordinator@example.org" in m["To"]]) == 1

    # Six hours later the new failure is reported; nothing new after that: no notice.
    OpsMarker.objects.filter(name="mail-notice").update(at=F("at") - datetime.timedelta(hours=7))
    run_worker_now(work_queue)
    assert len([m for m in smtp.messages if "coordinator@example.org" in m["To"]]) == 2
    OpsMarker.objects.filter(name="mail-notice").update(at=F("at") - datetime.timedelta(hours=7))
    run_worker_now(work_queue)
    assert len([m for m in smtp.messages if "coordinator@example.org" in m["To"]]) == 2

    client = Client()
    client.force_login(coordinator)
    page = client.get("/beheer/").content.decode()
    assert 'id="mail-trouble"' in page
    assert "2 e-mails konden niet worden verstuurd" in page
    assert "?status__exact=mislukt" in page
    # A helper without the e-mail list sees nothing of it (she has no admin at all here).
    other = get_user_model().objects.create_user("x@example.org", "x@example.org", "pw")
    client.force_login(other)
    assert "mail-trouble" not in client.get("/beheer/", follow=True).content.decode()


def test_mail_stuck_for_an_hour_tells_coordinators(
    smtp,  # noqa: F811
    make_booking,
    make_account,
    work_queue,
) -> None:
    smtp.start()
    make_account("coordinator", "coordinator@example.org")
    booking = make_booking()
    # The worker has not sent it for 90 minutes (it was down): its task is gone from the queue.
    OutgoingEmail.objects.filter(booking=booking).update(
        created_at=timezone.now() - datetime.timedelta(minutes=90)
    )
    DBTaskResult.objects.all().delete()
    worker_heartbeat.enqueue()
    work_queue()
    (notice,) = [m for m in smtp.messages if "coordinator@example.org" in m["To"]]
    body = notice.get_payload(decode=True).decode()
    assert "De oudste e-mail die klaarstaat, wacht al 90 minuten" in body
