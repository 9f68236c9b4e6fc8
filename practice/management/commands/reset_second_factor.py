from getpass import getpass
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from practice import services


class Command(BaseCommand):
    help = (
        "Reset the second factor of a staff member who lost it. Two other staff members run "
        "this in turn, each with her own authenticator code: the first asks, the second "
        "(within 24 hours) confirms. Both steps go to the access log; the owner is e-mailed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the address of the account whose second factor is lost")
        parser.add_argument("--by", required=True, help="your own staff address")
        parser.add_argument(
            "--code",
            help="your current authenticator code (or a recovery code); asked for when left out",
        )

    def _account(self, email: str) -> User:
        users = list(User.objects.filter(email__iexact=email.strip())[:2])
        if len(users) != 1:
            raise CommandError(f"No single account has the address {email!r}.")
        return users[0]

    def handle(self, *args: object, **options: Any) -> None:
        account = self._account(options["email"])
        by = self._account(options["by"])
        code = options["code"] or getpass("Your current authenticator code: ")
        try:
            done = services.second_factor_reset(account=account, by=by, code=code)
        except services.ResetRefused as refused:
            raise CommandError(str(refused)) from refused
        if done:
            self.stdout.write(
                "The second factor is removed. Its owner logs in with her password and sets up "
                "a new one at once."
            )
        else:
            self.stdout.write(
                "Asked. A second, different staff member now runs the same command within "
                "24 hours to confirm."
            )
