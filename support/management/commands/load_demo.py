from django.conf import settings
from django.core.management.base import BaseCommand

from support.demo import DEMO_HELPER_EMAIL, DEMO_HELPER_PASSWORD, load_demo, load_demo_account


class Command(BaseCommand):
    help = (
        "Load the demo directory (real organisations, invented examples) and, in development, "
        "a login for the example helper. Safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        counts = load_demo()
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}"))
        if settings.DEBUG:
            load_demo_account()
            self.stdout.write(
                f"The example helper logs in at /account/login/ as {DEMO_HELPER_EMAIL} with "
                f"password {DEMO_HELPER_PASSWORD}, then sets up an authenticator app."
            )
