"""The access log refuses changes in the database itself, below the application.

PostgreSQL refuses UPDATE and DELETE of a row; SQLite refuses UPDATE. Emptying the whole table
(TRUNCATE on PostgreSQL, DELETE on SQLite) stays possible, because that is how Django's test
runner resets a database; the application itself refuses deletion (practice/models.py).
"""

from django.db import migrations

TABLE = "practice_accesslogentry"

SQLITE = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END""",
]
SQLITE_REVERSE = [f"DROP TRIGGER {TABLE}_no_update"]

POSTGRESQL = [
    f"""CREATE FUNCTION {TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the access log is append-only'; END $$""",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()""",
]
POSTGRESQL_REVERSE = [
    f"DROP TRIGGER {TABLE}_append_only ON {TABLE}",
    f"DROP FUNCTION {TABLE}_refuse()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("practice", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
