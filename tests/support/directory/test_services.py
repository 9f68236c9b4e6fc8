"""Group sign-ups: seats, the waiting list and cancel links, under real concurrency."""

import re
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from support import links
from support.directory import services as directory_services
from support.models import PeerGroup, Signup, SignupStatus
from tests.support_fixtures import proved_signup


def sign_up(group: PeerGroup, email: str, name: str = "Iemand") -> directory_services.SignupResult:
    return proved_signup(group=group, name=name, email=email)


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_signups_for_eight_seats(make_group) -> None:
    group = make_group(capacity=8)
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            start.wait()
            sign_up(group, f"persoon{number}@example.org")
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    statuses = Counter(Signup.objects.filter(group=group).values_list("status", flat=True))
    assert statuses == {SignupStatus.CONFIRMED: 8, SignupStatus.WAITING: 42}
    group.refresh_from_db()
    assert group.seats_taken == 8


@pytest.mark.django_db(transaction=True)
def test_the_same_address_twice_at_once_gets_one_place(make_group) -> None:
    group = make_group(capacity=8)
    start = threading.Barrier(10)
    results: list[directory_services.SignupResult] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(sign_up(group, "Zelfde@Example.org"))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 10
    assert sum(r.created for r in results) == 1
    assert Signup.objects.filter(group=group).count() == 1
    group.refresh_from_db()
    assert group.seats_taken == 1


def test_the_same_address_twice_gets_one_place(make_group) -> None:
    group = make_group(capacity=8)
    first = sign_up(group, "a@example.org")
    second = sign_up(group, "A@EXAMPLE.org ")
    assert first.created
    assert not second.created
    assert second.signup.pk == first.signup.pk
    group.refresh_from_db()
    assert group.seats_taken == 1


def test_full_group_puts_people_on_the_waiting_list(make_group) -> None:
    group = make_group(capacity=1)
    assert sign_up(group, "a@example.org").signup.status == SignupStatus.CONFIRMED
    assert sign_up(group, "b@example.org").signup.status == SignupStatus.WAITING


def test_closed_group_takes_no_signups(make_group) -> None:
    group = make_group(is_open=False)
    with pytest.raises(directory_services.GroupClosed):
        sign_up(group, "a@example.org")
    assert not Signup.objects.exists()


def test_cancelling_a_seat_moves_the_first_waiting_person_up(make_group, work_queue) -> None:
    group = make_group(capacity=1)
    seated = sign_up(group, "a@example.org").signup
    first_waiting = sign_up(group, "b@example.org").signup
    sign_up(group, "c@example.org")
    work_queue()
    mail.outbox.clear()

    promoted = directory_services.group_signup_cancel(signup=seated)
    work_queue()

    assert promoted is not None
    assert promoted.pk == first_waiting.pk
    statuses = dict(Signup.objects.values_list("email", "status"))
    assert statuses == {
        "a@example.org": SignupStatus.CANCELLED,
        "b@example.org": SignupStatus.CONFIRMED,
        "c@example.org": SignupStatus.WAITING,
    }
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["b@example.org"]
    group.refresh_from_db()
    assert group.seats_taken == 1


def test_cancelling_twice_changes_nothing_more(make_group, work_queue) -> None:
    group = make_group(capacity=1)
    seated = sign_up(group, "a@example.org").signup
    sign_up(group, "b@example.org")
    directory_services.group_signup_cancel(signup=seated)
    work_queue()
    mail.outbox.clear()
    assert directory_services.group_signup_cancel(signup=seated) is None
    work_queue()
    assert mail.outbox == []
    assert Signup.objects.filter(status=SignupStatus.CONFIRMED).count() == 1


def test_signup_mail_is_discreet_and_has_the_private_link(make_group, work_queue) -> None:
    group = make_group(name="Groep voor bedrogen vrouwen")
    signup = sign_up(group, "a@example.org", name="Saskia").signup
    work_queue()
    (message,) = mail.outbox
    assert message.subject == "Je aanmelding bij Houvast"
    assert message.from_email.startswith("Houvast")
    assert "bedrogen" not in message.subject.lower()
    # The signed link carries the second it was signed in, so it is found, not recomputed: a
    # link to this sign-up's page that opens this sign-up.
    page = links.signup_url(signup).rsplit("/", 2)[0] + "/"
    link = re.search(re.escape(page) + r"([^/\s]+)/", message.body)
    assert link is not None, message.body
    assert links.signup_from_token(link[1]) == signup
    first_lines = " ".join(message.body.splitlines()[:3]).lower()
    assert "bedrogen" not in first_lines
    assert "groep" not in first_lines


def test_a_mail_server_failure_never_loses_the_signup(make_group, settings, work_queue) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    group = make_group()
    result = sign_up(group, "a@example.org")
    work_queue()
    assert Signup.objects.get(pk=result.signup.pk).status == SignupStatus.CONFIRMED


def test_tokens_are_refused_when_tampered_or_used(make_group) -> None:
    group = make_group()
    signup = sign_up(group, "a@example.org").signup
    token = links.signup_token(signup)
    assert links.signup_from_token(token) == signup
    assert links.signup_from_token(token[:-2] + "xx") is None
    assert links.signup_from_token("garbage") is None
    directory_services.group_signup_cancel(signup=signup)
    assert links.signup_from_token(token) is None


def test_coordinator_actions_keep_the_seat_count_right(make_group) -> None:
    group = make_group(capacity=1)
    seated = sign_up(group, "a@example.org").signup
    waiting = sign_up(group, "b@example.org").signup
    assert not directory_services.signup_confirm(signup=waiting)  # no free seat
    assert directory_services.signup_move_to_waiting_list(signup=seated)
    assert directory_services.signup_confirm(signup=waiting)
    group.refresh_from_db()
    assert group.seats_taken == 1
    assert Signup.objects.get(pk=waiting.pk).status == SignupStatus.CONFIRMED


def test_database_refuses_an_overfilled_group(make_group) -> None:
    from django.db import IntegrityError, transaction

    group = make_group(capacity=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerGroup.objects.filter(pk=group.pk).update(seats_taken=3)
