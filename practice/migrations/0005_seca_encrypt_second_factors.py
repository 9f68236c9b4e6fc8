"""Encrypt the TOTP secrets and recovery-code seeds allauth stored in clear (practice/mfa.py)."""

from django.db import migrations

# A Fernet token starts with "gAAAAA"; a base32 TOTP secret or a hexadecimal seed never does.
TOKEN_PREFIX = "gAAAAA"


def _change(data: dict, change) -> dict:
    data = {**data}
    for key in ("secret", "seed"):
        if isinstance(data.get(key), str):
            data[key] = change(data[key])
    if isinstance(data.get("migrated_codes"), list):
        data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
    return data


def _apply(apps, change) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all().iterator():
        data = _change(authenticator.data, change)
        if data != authenticator.data:
            Authenticator.objects.filter(pk=authenticator.pk).update(data=data)


def encrypt(apps, schema_editor) -> None:
    from support.fields import fernet

    def change(value: str) -> str:
        if value.startswith(TOKEN_PREFIX):
            return value
        return fernet().encrypt(value.encode()).decode()

    _apply(apps, change)


def decrypt(apps, schema_editor) -> None:
    from support.fields import fernet

    def change(value: str) -> str:
        if not value.startswith(TOKEN_PREFIX):
            return value
        return fernet().decrypt(value.encode()).decode()

    _apply(apps, change)


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0004_access_log_calendar_link"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
