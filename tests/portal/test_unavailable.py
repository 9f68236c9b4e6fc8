"""A service we depend on out of reach: our Dutch 503 page, never a 500 or a traceback.

Redis is pointed at a port where nothing listens (a real connection refused); `make drill`
does the same with PostgreSQL and Redis stopped under load, through nginx.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from tests.ports import refused_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings) -> Iterator[None]:
    with refused_port() as port:
        location = f"redis://127.0.0.1:{port}/0"
        settings.CACHES = {
            alias: {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
            for alias in ("default",)
        }
        yield


def test_a_form_with_a_rate_limit_answers_our_503_page_while_redis_is_down(redis_down) -> None:
    client = Client(raise_request_exception=False)
    response = client.post("/mijn-afspraken/inloggen/", {"email": "saskia@example.org"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "Deze pagina is even niet bereikbaar" in html
    assert "data-quick-exit" in html and "0800-2000" in html
    assert "Traceback" not in html
    assert response["Retry-After"] == "30"
    assert "private" in response["Cache-Control"]


def test_the_503_page_is_translated(redis_down) -> None:
    client = Client(raise_request_exception=False)
    response = client.post("/en/mijn-afspraken/inloggen/", {"email": "saskia@example.org"})
    assert response.status_code == 503
    assert "This page is briefly unavailable" in response.content.decode()


def test_health_check_says_which_service_is_down(redis_down, settings) -> None:
    """To the monitoring only: the public gets a bare status."""
    assert Client().get("/healthz").content == b"unavailable\n"
    settings.METRICS_TOKEN = "monitoring-token-for-tests-0123456789"
    monitoring = Client(headers={"Authorization": f"Bearer {settings.METRICS_TOKEN}"})
    response = monitoring.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"cache default unavailable\n"
