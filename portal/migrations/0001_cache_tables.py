"""The database cache tables (production without Redis) are part of the schema: `migrate` on an
empty database makes them, so the rate limits and page fragments work from the first request."""

from io import StringIO

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # Makes the table of every configured DatabaseCache; a no-op for other backends and for
    # tables that already exist.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0, stdout=StringIO())


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
