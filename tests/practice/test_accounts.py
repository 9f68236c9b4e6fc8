"""Accounts: staff log in with password and a second factor."""

import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from tests.staff_fixtures import PASSWORD, TOTP_SECRET, totp_code

pytestmark = pytest.mark.django_db

SETUP = "/account/2fa/totp/activate/"


def log_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/account/login/", {"login": email, "password": password})


@pytest.fixture
def helper_user(make_account, make_offer):
    offer = make_offer()
    return make_account("helper", "anita@example.org", helper=offer.helper)


@pytest.mark.parametrize("url", ["/praktijk/", "/praktijk/beschikbaarheid/", "/beheer/"])
@pytest.mark.parametrize("role", ["helper", "coordinator", "superuser"])
def test_staff_without_a_second_factor_see_only_its_setup(
    client: Client, make_account, make_helper, role: str, url: str
) -> None:
    helper = make_helper("anita") if role == "helper" else None
    make_account(role, "staff@example.org", helper=helper, mfa=False)
    assert log_in(client, "staff@example.org").status_code == HTTPStatus.FOUND
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == SETUP
    setup = client.get(SETUP)
    assert setup.status_code == HTTPStatus.OK
    assert 'class="qr-code"' in setup.content.decode()


def test_setting_up_totp_opens_the_dashboard(client: Client, make_account, make_helper) -> None:
    user = make_account("helper", "anita@example.org", helper=make_helper("anita"), mfa=False)
    log_in(client, "anita@example.org")
    html = client.get(SETUP).content.decode()
    secret = re.search(r'id="authenticator_secret" type="text" value="([A-Z2-7]+)"', html)[1]
    response = client.post(SETUP, {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert response.status_code == HTTPStatus.OK  # wrong code: the form again
    assert not Authenticator.objects.filter(user=user).exists()
    response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == HTTPStatus.FOUND
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/praktijk/").status_code == HTTPStatus.OK


def test_login_with_password_and_totp(client: Client, helper_user) -> None:
    response = log_in(client, "anita@example.org")
    assert response["Location"] == "/account/2fa/authenticate/"
    # Half-way, nothing is open yet.
    assert client.get("/praktijk/")["Location"].startswith("/account/login/")
    response = client.post("/account/2fa/authenticate/", {"code": totp_code(offset=3)})
    assert response.status_code == HTTPStatus.OK
    assert client.get("/praktijk/")["Location"].startswith("/account/login/")
    response = client.post("/account/2fa/authenticate/", {"code": totp_code()})
    assert response["Location"] == "/praktijk/"
    assert client.get("/praktijk/").status_code == HTTPStatus.OK


def test_a_used_totp_code_does_not_work_twice(client: Client, helper_user) -> None:
    code = totp_code()
    log_in(client, "anita@example.org")
    assert client.post("/account/2fa/authenticate/", {"code": code}).status_code == 302
    other = Client()
    log_in(other, "anita@example.org")
    response = other.post("/account/2fa/authenticate/", {"code": code})
    assert response.status_code == HTTPStatus.OK
    assert other.get("/praktijk/").status_code == HTTPStatus.FOUND


def test_a_code_of_the_period_just_past_still_works_once(client: Client, helper_user) -> None:
    """A code typed in the last second of its period arrives in the next: it still works, once.
    A code two periods old does not."""
    log_in(client, "anita@example.org")
    old = client.post("/account/2fa/authenticate/", {"code": totp_code(offset=-2)})
    assert old.status_code == HTTPStatus.OK
    late = totp_code(offset=-1)
    assert client.post("/account/2fa/authenticate/", {"code": late})["Location"] == "/praktijk/"
    other = Client()
    log_in(other, "anita@example.org")
    assert other.post("/account/2fa/authenticate/", {"code": late}).status_code == HTTPStatus.OK
    assert other.get("/praktijk/").status_code == HTTPStatus.FOUND


def test_recovery_codes_work_once_each(client: Client, helper_user) -> None:
    codes = RecoveryCodes.activate(helper_user).get_unused_codes()
    assert len(codes) == 10
    log_in(client, "anita@example.org")
    assert client.post("/account/2fa/authenticate/", {"code": codes[0]})["Location"] == (
        "/praktijk/"
    )
    again = Client()
    log_in(again, "anita@example.org")
    assert again.post("/account/2fa/authenticate/", {"code": codes[0]}).status_code == 200
    assert again.post("/account/2fa/authenticate/", {"code": codes[1]}).status_code == 302


def test_recovery_codes_alone_are_no_second_factor(
    client: Client, make_account, make_helper
) -> None:
    user = make_account("helper", helper=make_helper("anita"), mfa=False)
    RecoveryCodes.activate(user)
    client.force_login(user)
    assert client.get("/praktijk/")["Location"] == SETUP


def test_password_guessing_is_rate_limited(client: Client, helper_user) -> None:
    for _attempt in range(5):
        response = log_in(client, "anita@example.org", "fout-wachtwoord")
        assert response.status_code == HTTPStatus.OK
    # From now on even the right password is refused for a while.
    response = log_in(client, "anita@example.org")
    assert response.status_code == HTTPStatus.OK
    assert "/account/2fa/authenticate/" not in response.get("Location", "")
    assert "Te veel" in response.content.decode() or "Too many" in response.content.decode()


def test_totp_guessing_is_rate_limited(client: Client, helper_user) -> None:
    log_in(client, "anita@example.org")
    wrong = "000000" if totp_code() != "000000" else "111111"
    for _attempt in range(5):
        assert client.post("/account/2fa/authenticate/", {"code": wrong}).status_code == 200
    response = client.post("/account/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code != HTTPStatus.FOUND
    assert client.get("/praktijk/").status_code == HTTPStatus.FOUND


def test_the_admin_logs_in_through_allauth(client: Client, make_account) -> None:
    response = client.get("/beheer/login/?next=/beheer/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/account/login/")
    make_account("coordinator", "coord@example.org")
    log_in(client, "coord@example.org")
    response = client.post("/account/2fa/authenticate/", {"code": totp_code()})
    assert response["Location"] == "/beheer/"
    assert client.get("/beheer/").status_code == HTTPStatus.OK


def test_nobody_can_sign_up(client: Client) -> None:
    response = client.post(
        "/account/signup/",
        {"email": "nieuw@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == HTTPStatus.OK
    assert not User.objects.filter(email="nieuw@example.org").exists()


@pytest.mark.django_db(transaction=True)
def test_staff_are_invited_from_the_admin(
    client: Client, make_account, make_helper, work_queue
) -> None:
    helper = make_helper("anita")
    admin = make_account("superuser", "beheer@example.org")
    client.force_login(admin)
    response = client.post(
        "/beheer/practice/staffmember/add/",
        {"email": "anita@example.org", "role": "helper", "helper": helper.pk},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    user = User.objects.get(email="anita@example.org")
    helper.refresh_from_db()
    assert helper.user == user
    assert not user.has_usable_password()
    work_queue()  # the invitation goes through the outbox, like every e-mail
    (invitation,) = mail.outbox
    assert invitation.to == ["anita@example.org"]
    link = re.search(r"http://\S+/account/password/reset/key/\S+", invitation.body)[0]

    guest = Client()
    page = guest.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = guest.post(
        form_url.removeprefix("http://127.0.0.1:8000"),
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(user=user).verified
    # First login: password, then setting up the second factor before anything else.
    fresh = Client()
    response = log_in(fresh, "anita@example.org")
    assert response.status_code == HTTPStatus.FOUND
    assert fresh.get("/praktijk/")["Location"] == SETUP


def test_an_invitation_for_a_taken_address_is_refused(client: Client, make_account) -> None:
    make_account("coordinator", "coord@example.org")
    client.force_login(make_account("superuser", "beheer@example.org"))
    response = client.post(
        "/beheer/practice/staffmember/add/", {"email": "COORD@example.org", "role": "coordinator"}
    )
    assert response.status_code == HTTPStatus.OK
    assert "Er is al een account met dit e-mailadres" in response.content.decode()
    assert not mail.outbox


def test_sessions_are_listed_and_can_be_ended(client: Client, helper_user) -> None:
    other = Client(HTTP_USER_AGENT="Telefoon")
    log_in(other, "anita@example.org")
    other.post("/account/2fa/authenticate/", {"code": totp_code()})
    assert other.get("/praktijk/").status_code == HTTPStatus.OK
    client.force_login(helper_user)
    html = client.get("/account/sessions/").content.decode()
    assert "Telefoon" in html
    client.post("/account/sessions/", {})
    assert other.get("/praktijk/").status_code == HTTPStatus.FOUND  # logged out there
    assert client.get("/praktijk/").status_code == HTTPStatus.OK


def test_totp_secret_is_not_shown_once_set_up(client: Client, helper_user) -> None:
    client.force_login(helper_user)
    assert TOTP_SECRET not in client.get("/account/2fa/").content.decode()


def test_visitor_accounts_stay_out_of_the_admin(client: Client, make_account, make_booking) -> None:
    make_booking()
    make_account("visitor", "saskia@example.org")  # an account from before visitors had none
    assert User.objects.filter(email="saskia@example.org").exists()
    client.force_login(make_account("superuser", "beheer@example.org"))
    for changelist in (
        "/beheer/auth/user/",
        "/beheer/account/emailaddress/",
        "/beheer/usersessions/usersession/",
        "/beheer/practice/staffmember/",
    ):
        response = client.get(changelist)
        assert response.status_code == HTTPStatus.OK, changelist
        assert "saskia@example.org" not in response.content.decode(), changelist
    assert "beheer@example.org" in client.get("/beheer/auth/user/").content.decode()
