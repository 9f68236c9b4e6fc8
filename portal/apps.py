from io import StringIO

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate

from portal import checks  # noqa: F401 - registers the system checks


def create_cache_tables(app_config: AppConfig, using: str = "default", **kwargs: object) -> None:
    """Also after every later `migrate`: a cache switched to the database later gets its table.

    The first `migrate` makes them in portal/migrations/0001_initial.py. post_migrate is
    sent once per app with models; running this once, for the last app, is enough.
    """
    if app_config.label == "practice":
        call_command("createcachetable", database=using, verbosity=0, stdout=StringIO())


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        post_migrate.connect(create_cache_tables, dispatch_uid="houvast-cache-tables")
        from portal import ratelimit  # noqa: PLC0415 - imports allauth, which needs the apps

        ratelimit.install()
