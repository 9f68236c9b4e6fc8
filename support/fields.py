"""Encryption at rest for intake answers and contact details.

Keys come from FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first), never from
SECRET_KEY. Values are written with the newest key and read with any of them, so keys can be
rotated: add a new key in front, run `manage.py reencrypt_fields`, then drop the old key.
Reading a value that no key opens raises `cryptography.fernet.InvalidToken`: a wrong key or a
damaged value is an error, never silently returned as ciphertext.

`own_field` looks up one of a model's own fields by name (what erasing and export go through).
"""

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plain text."""

    # How portal/backup.py finds the columns to check after a restore, without importing us.
    encrypted_at_rest = True

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return fernet().encrypt(str(value).encode()).decode()

    def from_db_value(self, value: str | None, expression: object, connection: object) -> object:
        if value is None:
            return None
        return fernet().decrypt(value.encode()).decode()


def email_digest(address: str) -> str:
    """A keyed hash of an e-mail address, to find a person's encrypted rows by address.

    Fernet tokens differ each time, so an encrypted column cannot be searched; this HMAC can,
    and without the key (EMAIL_DIGEST_KEY) it reveals nothing about the address.
    """
    normalised = address.strip().lower()
    if not normalised:
        return ""
    key = settings.EMAIL_DIGEST_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def own_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field `name` of `model` itself, never a relation seen from the other side."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a reverse relation, not a field")
    return field
