"""Rows made once per test module, for the big tables of tests that only read them.

pytest-django runs each test in a transaction that it rolls back at the test's end. A module
fixture made with `shared_rows` opens a transaction around the module's tests first and makes
its rows in it: each test's own transaction becomes a savepoint inside it, so whatever a test
writes is undone after it, and the module's rows are undone after its last test. Each test
gets a deep copy of the module's objects, as Django's `TestCase.setUpTestData` hands them
out, so an instance one test changes in memory never reaches the next one.

    @pytest.fixture(scope="module")
    def world(request, django_db_blocker):
        yield from shared_rows(request, django_db_blocker, make_world)

    @pytest.fixture
    def setup(world, db):
        return copy.deepcopy(world)

What follows from it:
- Once the first test asks for the rows, every later test of the module runs among them,
  asked for or not: a test that needs a database without them belongs in another module.
- A test that needs real transactions (`transactional_db`, `live_server`, `work_queue`,
  `django_db(transaction=True)`) cannot run inside the outer one: such a module is refused.
- A test must not end the connection. A response closed by hand sends `request_finished`, on
  which Django closes a connection in a transaction, and the module's rows go with it (the next
  test fails on a closed database): read a file response to its end instead, the test client
  then closes it without that signal.
- The rows are made before any function-scoped fixture: they cannot depend on a test's
  `settings`, and what making them put in a cache is gone at the first test (tests/conftest.py
  empties the caches for each test). Rows that must be fresh at each test (the worker's
  heartbeat) are written by the per-test fixture.
- Only the `default` database is wrapped: the project has no other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import transaction
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db

REAL_TRANSACTIONS = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def needs_real_transactions(item: pytest.Item) -> bool:
    if REAL_TRANSACTIONS & set(getattr(item, "fixturenames", ())):
        return True
    marker = item.get_closest_marker("django_db")
    if marker is None:
        return False
    transactional, reset_sequences, _databases, serialized_rollback, _apps = validate_django_db(
        marker
    )
    return transactional or reset_sequences or serialized_rollback


def shared_rows[T](
    request: pytest.FixtureRequest,
    django_db_blocker: DjangoDbBlocker,
    make: Callable[..., T],
    *args: object,
) -> Iterator[T]:
    """For a module-scoped generator fixture: `make(*args)`'s rows, kept until the module ends
    (or, for a parametrised fixture, until its parameter changes), then rolled back."""
    refused = [
        item.nodeid
        for item in request.session.items
        if getattr(item, "module", None) is request.module and needs_real_transactions(item)
    ]
    assert not refused, f"these tests need real transactions, move them out: {refused}"
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Code that opens a durable block may run inside it, as inside a test's own transaction.
        outer._from_testcase = True
        outer.__enter__()
        try:
            data = make(*args)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
