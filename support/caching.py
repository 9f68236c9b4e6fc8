"""The data version: pages built from the database are cached under it.

Every change to support data adds a `DataChange` row; the highest id is the data version.
Cached pages carry it in their key, so they are replaced as soon as a change commits. Reading
the version is one small indexed query.
"""

from django.db import connection

from support.models import DataChange

PAGE_TIMEOUT = 10 * 60


KEEP_CHANGES = 1000


def data_version() -> int:
    # Asked on every cached page; plain SQL skips the ORM's query building.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {DataChange._meta.db_table}")
        return cursor.fetchone()[0] or 0


def bump_data_version() -> None:
    """Count a change; other connections see it when the surrounding transaction commits."""
    change = DataChange.objects.create()
    if change.pk % KEEP_CHANGES == 0:
        # Old rows carry no meaning once a newer one exists; the highest id stays.
        DataChange.objects.filter(pk__lt=change.pk - KEEP_CHANGES).delete()
