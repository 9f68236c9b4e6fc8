"""Staff and visitor accounts for tests, made as the portal makes them."""

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal import auth as allauth_totp
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.contrib.auth.models import Permission, User

from practice import services as practice_services
from support.booking import partner as partner_services
from support.models import Booking, Helper
from tests.support_fixtures import new_booking

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "een-lang-wachtwoord-voor-tests-42"


# The moment allauth checks authenticator codes against in tests that run the site in their own
# process (the authenticator_clock fixture): in the middle of a period, fixed, so no test depends
# on where in a period it runs or waits for one to turn.
AUTHENTICATOR_NOW = 1_800_000_015.0


def totp_code(secret: str = TOTP_SECRET, *, at: float = AUTHENTICATOR_NOW, offset: int = 0) -> str:
    """The code an authenticator app shows at `at` (or `offset` periods later). For a server
    in another process, pass the real time: `at=time.time()`."""
    counter = int(at) // mfa_settings.TOTP_PERIOD + offset
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture(autouse=True)
def authenticator_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """allauth's clock for authenticator codes, set to AUTHENTICATOR_NOW in this process (allauth
    reads `time.time()` and offers no clock of its own to set)."""
    monkeypatch.setattr(allauth_totp, "time", SimpleNamespace(time=lambda: AUTHENTICATOR_NOW))
    return AUTHENTICATOR_NOW


def give_totp(user: User) -> User:
    TOTP.activate(user, TOTP_SECRET)
    return user


def account(email: str, *, password: str | None = PASSWORD, **fields: object) -> User:
    user = User.objects.create_user(username=email, email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user


def new_account(
    role: str, email: str | None = None, *, helper: Helper | None = None, mfa: bool = True
) -> User:
    """An account by role: helper (of the given Helper), coordinator, superuser, privacy
    officer (explicit permission), visitor. Staff get a TOTP authenticator unless mfa=False."""
    email = email or f"{role}@example.org"
    if role == "helper":
        user = account(email)
        Helper.objects.filter(pk=helper.pk).update(user=user)
    elif role == "coordinator":
        user = account(email, is_staff=True)
        user.groups.add(practice_services.coordinator_group())
    elif role in ("superuser", "superuser_granted", "privacy_officer"):
        user = account(email, is_staff=True, is_superuser=role.startswith("superuser"))
        if role != "superuser":
            user.user_permissions.add(Permission.objects.get(codename="handle_personal_data"))
    else:
        return account(email, password=None)
    return give_totp(user) if mfa else user


@pytest.fixture
def make_account(db) -> Callable[..., User]:
    return new_account


def new_booking_with_partner(book: Callable[..., Booking] = new_booking, **answers) -> Booking:
    """A requested couples' booking (made by `book`) whose partner has submitted an intake of
    their own."""
    booking = book(**{"what_happened": "Ik vond berichten op zijn telefoon.", **answers})
    intake = partner_services.partner_invite(booking=booking)
    partner_services.partner_claim(intake=intake, claim_key="partner-browser")
    partner_services.partner_save_intake(
        intake=intake,
        claim_key="partner-browser",
        answers={
            "name": "Mark",
            "email": "mark@example.org",
            "hopes": "Dat we weer kunnen praten.",
            "consent": True,
        },
    )
    partner_services.partner_submit(intake=intake, claim_key="partner-browser")
    return booking


@pytest.fixture
def booking_with_partner(make_booking) -> Callable[..., Booking]:
    """new_booking_with_partner, booked through make_booking (which a module may override)."""

    def make(**answers: object) -> Booking:
        return new_booking_with_partner(make_booking, **answers)

    return make
