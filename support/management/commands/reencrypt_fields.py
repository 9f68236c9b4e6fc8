from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from support.fields import EncryptedTextField, fernet
from support.models import Booking


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the newest key of FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: object, **options: object) -> None:
        fields = [f for f in Booking._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        columns = [f.column for f in fields if f.column is not None]  # all: they are concrete
        table = Booking._meta.db_table
        count = 0
        # Raw tokens, rotated with MultiFernet.rotate: no plain text is held longer than needed.
        with transaction.atomic():
            rows = Booking.objects.values_list("pk", flat=True).order_by("pk")
            for pk in rows.iterator():
                with transaction.get_connection().cursor() as cursor:
                    cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
                    values = cursor.fetchone()
                    rotated = [
                        None if v is None else fernet().rotate(v.encode()).decode() for v in values
                    ]
                    assignments = ", ".join(f"{column} = %s" for column in columns)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE id = %s", [*rotated, pk]
                    )
                count += 1
            authenticators = rotate_second_factors()
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {count} booking(s) and {authenticators} staff second factor(s) "
                "with the newest key."
            )
        )


# A Fernet token starts with "gAAAAA"; a base32 TOTP secret or a hexadecimal seed never does.
FERNET_TOKEN_PREFIX = "gAAAAA"


def rotate_second_factors() -> int:
    """Re-encrypt the TOTP secrets and recovery-code seeds (practice/mfa.py encrypts them).

    One still in clear, as allauth's own adapter stores it (a row from a database that ran
    without practice/mfa.py, say), is encrypted: after this command none is left readable.
    """

    def rotate(value: str) -> str:
        if not value.startswith(FERNET_TOKEN_PREFIX):
            return fernet().encrypt(value.encode()).decode()
        return fernet().rotate(value.encode()).decode()

    count = 0
    for authenticator in Authenticator.objects.select_for_update().order_by("pk"):
        data = {**authenticator.data}
        for key in ("secret", "seed"):
            if isinstance(data.get(key), str):
                data[key] = rotate(data[key])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [rotate(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)
            count += 1
    return count
