"""Defect 12: nobody takes over a helper's account through the admin.

A superuser (or any other staff member) cannot choose a helper's password, change her address,
or remove her second factor in the admin. A lost second factor is reset with
`manage.py reset_second_factor`, which needs two different staff members, each proving it is
them with their own authenticator code; every step is in the access log and the helper is told.
"""

from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from practice.models import AccessAction, AccessLogEntry
from tests.staff_fixtures import PASSWORD, TOTP_SECRET, totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "een-ander-wachtwoord-van-de-beheerder-7"
ATTACKER = "beheerder.prive@example.org"


@pytest.fixture
def accounts(make_account, make_helper):
    helper = make_account("helper", "anita@example.org", helper=make_helper("anita"))
    return {
        "helper": helper,
        "coordinator": make_account("coordinator", "coordinator@example.org"),
        "superuser": make_account("superuser", "beheer@example.org"),
    }


@pytest.fixture
def superuser_client(client: Client, accounts) -> Client:
    client.force_login(accounts["superuser"])
    return client


@pytest.mark.parametrize("target", ["helper", "coordinator"])
def test_a_superuser_cannot_set_someone_elses_password(
    superuser_client: Client, accounts, target: str
) -> None:
    user = accounts[target]
    url = f"/beheer/auth/user/{user.pk}/password/"
    assert superuser_client.get(url).status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    response = superuser_client.post(
        url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    )
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(NEW_PASSWORD)
    # Nor can she log in with it.
    other = Client()
    other.post("/account/login/", {"login": user.email, "password": NEW_PASSWORD})
    assert "_auth_user_id" not in other.session


def test_a_superuser_cannot_change_a_helpers_address(superuser_client: Client, accounts) -> None:
    helper = accounts["helper"]
    now = timezone.localtime(helper.date_joined)
    superuser_client.post(
        f"/beheer/auth/user/{helper.pk}/change/",
        {
            "username": ATTACKER,
            "email": ATTACKER,
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "date_joined_0": now.strftime("%Y-%m-%d"),
            "date_joined_1": now.strftime("%H:%M:%S"),
        },
    )
    address = EmailAddress.objects.get(user=helper)
    superuser_client.post(
        f"/beheer/account/emailaddress/{address.pk}/change/",
        {"user": helper.pk, "email": ATTACKER, "verified": "on", "primary": "on"},
    )
    superuser_client.post(
        "/beheer/account/emailaddress/add/",
        {"user": helper.pk, "email": ATTACKER, "verified": "on", "primary": "on"},
    )
    helper.refresh_from_db()
    assert helper.email == "anita@example.org"
    assert list(EmailAddress.objects.filter(user=helper).values_list("email", flat=True)) == [
        "anita@example.org"
    ]
    # A password reset therefore still goes to the helper herself.
    mail.outbox.clear()
    Client().post("/account/password/reset/", {"email": ATTACKER})
    assert all(ATTACKER not in message.to for message in mail.outbox)


def test_a_superuser_cannot_remove_or_read_a_helpers_second_factor(
    superuser_client: Client, accounts
) -> None:
    helper = accounts["helper"]
    (authenticator,) = Authenticator.objects.filter(user=helper)
    base = f"/beheer/mfa/authenticator/{authenticator.pk}"
    response = superuser_client.post(f"{base}/delete/", {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    superuser_client.post(
        "/beheer/mfa/authenticator/",
        {"action": "delete_selected", "_selected_action": [authenticator.pk], "post": "yes"},
    )
    superuser_client.post(f"{base}/change/", {"user": accounts["superuser"].pk, "type": "totp"})
    authenticator.refresh_from_db()
    assert authenticator.user_id == helper.pk
    # Its secret is not on the page either.
    page = superuser_client.get(f"{base}/change/").content.decode()
    assert TOTP_SECRET not in page


def test_the_admin_shows_your_own_password_change_elsewhere(
    superuser_client: Client, accounts
) -> None:
    me = accounts["superuser"]
    response = superuser_client.get(f"/beheer/auth/user/{me.pk}/password/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/account/password/change/"


def reset(target: User, by: User, code: str | None = None) -> str:
    from io import StringIO

    out = StringIO()
    call_command(
        "reset_second_factor", target.email, by=by.email, code=code or totp_code(), stdout=out
    )
    return out.getvalue()


def test_a_lost_second_factor_is_reset_by_two_staff_members(accounts) -> None:
    helper, coordinator, superuser = (accounts[k] for k in ("helper", "coordinator", "superuser"))
    mail.outbox.clear()

    reset(helper, coordinator)
    assert Authenticator.objects.filter(user=helper).exists()
    (asked,) = AccessLogEntry.objects.all()
    assert asked.action == AccessAction.SECOND_FACTOR_RESET_ASKED
    assert asked.user_email == "coordinator@example.org"
    assert asked.record == f"account {helper.pk}"
    (warning,) = mail.outbox
    assert warning.to == ["anita@example.org"]

    # The same person cannot confirm her own request.
    with pytest.raises(CommandError):
        reset(helper, coordinator, totp_code(offset=1))
    assert Authenticator.objects.filter(user=helper).exists()
    # Nor can anyone without her own valid code.
    with pytest.raises(CommandError):
        reset(helper, superuser, "000000")
    assert Authenticator.objects.filter(user=helper).exists()

    reset(helper, superuser)
    assert not Authenticator.objects.filter(user=helper).exists()
    done = AccessLogEntry.objects.order_by("-pk").first()
    assert done.action == AccessAction.SECOND_FACTOR_RESET
    assert done.user_email == "beheer@example.org"
    assert done.record == f"account {helper.pk}"
    assert len(mail.outbox) == 2
    assert mail.outbox[1].to == ["anita@example.org"]
    # Her password is untouched: she logs in with it and sets up a new second factor.
    helper.refresh_from_db()
    assert helper.check_password(PASSWORD)


def test_nobody_resets_their_own_second_factor_or_a_visitors(accounts, make_account) -> None:
    with pytest.raises(CommandError):
        reset(accounts["coordinator"], accounts["coordinator"])
    visitor = make_account("visitor", "saskia@example.org")
    with pytest.raises(CommandError):
        reset(visitor, accounts["coordinator"])
    assert not AccessLogEntry.objects.exists()


def test_a_helpers_account_is_not_deleted_to_be_replaced(
    superuser_client: Client, accounts
) -> None:
    """Deleting it would free her directory entry for an account invited by the deleter."""
    helper = accounts["helper"]
    for url in (
        f"/beheer/auth/user/{helper.pk}/delete/",
        f"/beheer/practice/staffmember/{helper.pk}/delete/",
    ):
        assert superuser_client.post(url, {"post": "yes"}).status_code == HTTPStatus.FORBIDDEN
    for changelist in ("/beheer/auth/user/", "/beheer/practice/staffmember/"):
        superuser_client.post(
            changelist,
            {"action": "delete_selected", "_selected_action": [helper.pk], "post": "yes"},
        )
    assert User.objects.filter(pk=helper.pk, helper__isnull=False).exists()
