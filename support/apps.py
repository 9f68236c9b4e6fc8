from importlib import import_module

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        # The receivers need the models, which cannot be imported while the app registry
        # loads this module: their module is imported now that the registry is ready.
        import_module("support.signals")
