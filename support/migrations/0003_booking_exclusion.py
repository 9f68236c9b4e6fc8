"""On PostgreSQL the database itself refuses two overlapping bookings of one helper.

An exclusion constraint over the blocked time range (buffers included) of live holds, requests
and confirmed bookings. SQLite has no such constraint; there IMMEDIATE transactions serialise the
booking service, which re-checks every rule under that lock.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE support_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (
    helper_id WITH =,
    tstzrange(blocked_from, blocked_until, '[)') WITH &&
) WHERE (status IN ('vastgehouden', 'aangevraagd', 'bevestigd'));
"""
DROP = "ALTER TABLE support_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("support", "0002_booking")]

    operations = [migrations.RunPython(forwards, backwards)]
