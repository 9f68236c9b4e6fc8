"""Need-to-know: who may open which staff page and which intake.

The matrix lists every URL of the staff side; a URL added without an entry fails the test.
"""

import copy
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from practice.models import AccessLogEntry
from tests.shared_rows import shared_rows
from tests.staff_fixtures import new_account, new_booking_with_partner
from tests.support_fixtures import new_helper

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "visitor",
    "other_helper",
    "coordinator",
    "superuser",
    "assigned_helper",
    "privacy_officer",
    "superuser_granted",
]
HELPER_ONLY = {"assigned_helper"}
PERSONAL_DATA = {"privacy_officer", "superuser_granted"}

# url name: (method, needs the booking, who may, whether another helper sees her own page)
MATRIX = {
    "dashboard": ("get", False, HELPER_ONLY | {"other_helper"}),
    "availability": ("get", False, HELPER_ONLY | {"other_helper"}),
    "calendar_link": ("get", False, HELPER_ONLY | {"other_helper"}),
    "modes": ("get", False, HELPER_ONLY | {"other_helper"}),
    "booking": ("get", True, HELPER_ONLY),
    "intake": ("get", True, HELPER_ONLY),
    "partner_intake": ("get", True, HELPER_ONLY),
    "intakes": ("get", True, HELPER_ONLY),
    **dict.fromkeys(
        (
            "booking_confirm",
            "booking_video_link",
            "booking_decline",
            "booking_propose",
            "booking_propose_way",
            "booking_extend",
            "booking_cancel",
            "booking_keep",
            "booking_completed",
            "booking_no_show",
        ),
        ("post", True, HELPER_ONLY),
    ),
    **{
        name: ("post", False, HELPER_ONLY | {"other_helper"})
        for name in (
            "availability_rule_add",
            "availability_rule_remove",
            "availability_exception_add",
            "availability_exception_remove",
            "availability_limits",
            "availability_offer_rules",
            "busy_feed_add",
            "busy_feed_upload",
            "busy_feed_remove",
            "calendar_feed_names",
        )
    },
    "person": ("post", False, PERSONAL_DATA),
    "person_export": ("post", False, PERSONAL_DATA),
    "person_erase": ("post", False, PERSONAL_DATA),
}
INTAKE_URLS = {"intake": 1, "partner_intake": 1, "intakes": 2}
# What a helper's own POST may answer besides a redirect: her form back with a mistake (400),
# a refusal (409), or one of her own items that is not there (404: another helper's offer).
ANSWERED = (HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST, HTTPStatus.CONFLICT)
# URL arguments besides a booking: an item of hers (none with this id) or one of her offers.
ITEM_URLS = {
    "availability_rule_remove",
    "availability_exception_remove",
    "busy_feed_remove",
}
# Opened with a token in the URL, not a login: the helper's calendar feed.
TOKEN_URLS = {"calendar_feed"}


def test_the_matrix_covers_every_staff_url() -> None:
    resolver = get_resolver()
    namespace = resolver.namespace_dict["practice"][1]
    names = {p.name for p in namespace.url_patterns}
    assert names == set(MATRIX) | TOKEN_URLS, "add the new staff URL to MATRIX with who may open it"


def staff_and_booking():
    """A couples' booking with the helper it is for, another helper, and an account per role."""
    booking = new_booking_with_partner()
    other = new_helper("ander", takes_bookings=True)
    users = {
        "visitor": new_account("visitor", "saskia@example.org"),
        "other_helper": new_account("helper", "ander@example.org", helper=other),
        "coordinator": new_account("coordinator"),
        "superuser": new_account("superuser"),
        "assigned_helper": new_account("helper", "anita@example.org", helper=booking.helper),
        "privacy_officer": new_account("privacy_officer"),
        "superuser_granted": new_account("superuser_granted"),
    }
    return booking, users


@pytest.fixture(scope="module")
def rows(request, django_db_blocker):
    """Made once for the module's tests, which only read them (tests/shared_rows.py)."""
    yield from shared_rows(request, django_db_blocker, staff_and_booking)


@pytest.fixture
def setup(rows, db):
    return copy.deepcopy(rows)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client: Client, setup, role: str, name: str) -> None:
    booking, users = setup
    method, per_booking, allowed = MATRIX[name]
    kwargs: dict[str, int] = {"pk": booking.pk} if per_booking else {}
    if name in ITEM_URLS:
        kwargs["item"] = 999
    if name == "availability_offer_rules":
        kwargs["offer_id"] = booking.helper.offers.get().pk
    url = reverse(f"practice:{name}", kwargs=kwargs)
    if role != "anonymous":
        client.force_login(users[role])
    data = {"email": "saskia@example.org", "confirm": "on", "format": "json"}
    logged_before = AccessLogEntry.objects.count()

    response = client.post(url, data) if method == "post" else client.get(url)

    if role in allowed and name == "availability_offer_rules" and role == "other_helper":
        # Another helper's offer: her own page, saying nothing of it.
        assert response.status_code == HTTPStatus.NOT_FOUND
    elif role in allowed:
        assert response.status_code in ANSWERED, response.status_code
        if response.status_code == HTTPStatus.FOUND:
            assert "/account/" not in response["Location"]
        if role == "other_helper":
            # Her own page, with nothing of another helper's booking on it.
            assert f"/praktijk/afspraak/{booking.pk}/" not in response.content.decode()
    elif role == "anonymous":
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/account/login/")
    elif per_booking and role in ("other_helper",):
        assert response.status_code == HTTPStatus.NOT_FOUND
    else:
        assert response.status_code in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    if response.status_code >= HTTPStatus.BAD_REQUEST:
        assert "Ik vond berichten" not in response.content.decode()
        assert "Mark" not in response.content.decode()
    if name in INTAKE_URLS:
        expected = INTAKE_URLS[name] if role in allowed else 0
        assert AccessLogEntry.objects.count() == logged_before + expected


@pytest.mark.parametrize("role", ROLES)
def test_no_login_opens_a_calendar_feed_without_its_token(client: Client, setup, role: str) -> None:
    _booking, users = setup
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(reverse("practice:calendar_feed", kwargs={"token": "a" * 43}))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_superuser_cannot_read_intakes_anywhere(client: Client, setup) -> None:
    booking, users = setup
    client.force_login(users["superuser"])
    for url in (
        reverse("practice:intake", kwargs={"pk": booking.pk}),
        reverse("practice:partner_intake", kwargs={"pk": booking.pk}),
        f"/beheer/support/booking/{booking.pk}/change/",
        "/beheer/support/booking/",
        "/beheer/support/partnerintake/",
    ):
        html = client.get(url).content.decode()
        assert "Ik vond berichten" not in html, url
        assert "Dat we weer kunnen praten" not in html, url
        assert "saskia@example.org" not in html, url
