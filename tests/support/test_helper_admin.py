"""Where and how a helper meets visitors is hers alone: the admin offers no way to change it."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from support.models import Helper
from tests.staff_fixtures import give_totp

pytestmark = pytest.mark.django_db

HERS = ("video_link", "practice_address", "practice_route", "practice_access")


def test_a_coordinator_cannot_change_a_helpers_video_link_or_address(
    client: Client, make_helper
) -> None:
    helper = make_helper("anita", takes_bookings=True)
    Helper.objects.filter(pk=helper.pk).update(
        video_link="https://video.example/anita", practice_address="Dorpsstraat 1"
    )
    user = get_user_model().objects.create_superuser("beheer", "beheer@example.org", "x")
    client.force_login(give_totp(user))
    url = f"/beheer/support/helper/{helper.pk}/change/"
    page = client.get(url).content.decode()
    for name in HERS:
        assert f'name="{name}"' not in page, name
    # A post that names them anyway changes nothing of hers.
    client.post(url, {"video_link": "https://elders.example/kamer", "practice_address": "Elders"})
    helper.refresh_from_db()
    assert helper.video_link == "https://video.example/anita"
    assert helper.practice_address == "Dorpsstraat 1"
