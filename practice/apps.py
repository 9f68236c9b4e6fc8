from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Praktijk")

    def ready(self) -> None:
        # The receivers need the models, which cannot be imported while the app registry
        # loads this module: their module is imported now that the registry is ready.
        import_module("practice.signals")
        import_module("practice.emails")  # the staff e-mails, registered with the outbox
        import_module("practice.accounts").keep_used_codes_for_their_window()
