from pathlib import Path

import pytest
from django.db import connection

from tests.staff_fixtures import (  # noqa: F401
    authenticator_clock,
    booking_with_partner,
    make_account,
)
from tests.support_fixtures import (  # noqa: F401
    make_booking,
    make_forum,
    make_group,
    make_helper,
    make_offer,
    make_organisation,
)
from tests.url_table import url_rows  # noqa: F401

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
REAL_CONTENT = Path(__file__).parent.parent / "content"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The longest files first (browser journeys, servers started), so that the workers of
    # `make test` end together instead of one finishing a long file alone. A stable sort: each
    # file's tests stay together and in their order.
    items.sort(key=lambda item: not ({"browser", "server"} & set(item.keywords)))
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(
                pytest.mark.skip(
                    reason="needs PostgreSQL: run with DATABASE_URL=postgres://… "
                    "(.ci/run does this in its second pass)"
                )
            )


@pytest.fixture
def real_content(settings: pytest.FixtureRequest) -> Path:
    """Serve the real articles from content/ instead of the test fixtures."""
    settings.CONTENT_DIR = REAL_CONTENT
    return REAL_CONTENT


@pytest.fixture
def content_dir(tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    """An empty content folder of one's own, served by the site."""
    directory = tmp_path / "content"
    directory.mkdir()
    settings.CONTENT_DIR = directory
    return directory


@pytest.fixture(autouse=True)
def _fresh_cache(request: pytest.FixtureRequest) -> None:
    """Rate-limit counters never leak from one test into the next.

    The caches are production's (database tables or Redis): a test without database access
    cannot reach a database cache, and needs none.
    """
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    uses_db = "_django_db_helper" in request.fixturenames
    if uses_db:
        request.getfixturevalue("_django_db_helper")
    for cache in caches.all():
        if uses_db or not isinstance(cache, DatabaseCache):
            cache.clear()
    # The page versions this process read came from the cache just emptied.
    from portal import pagecache

    pagecache._known.clear()


@pytest.fixture
def work_queue(transactional_db):
    """Run the background worker over everything that is due, as `manage.py db_worker` does.

    The worker closes its database connection when it is done, so these tests use real
    transactions.
    """
    from io import StringIO

    from django.core.management import call_command

    def work() -> None:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())

    return work


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, dropped at the end even when a thread or a child process of a test
    (a worker, a concurrency test's threads) still holds a connection to it: on PostgreSQL those
    sessions are ended first, so `DROP DATABASE` is not refused."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
