"""Staff second factors encrypted at rest.

allauth stores a TOTP authenticator's secret and the seed of the recovery codes in the
`mfa_authenticator.data` JSON column; its default adapter stores them in clear, so a copy of the
database (a backup, say) would be enough to make a staff member's codes. This adapter encrypts
them with FIELD_ENCRYPTION_KEYS (support/fields.py), like intakes: keys rotate with
`manage.py reencrypt_fields`, and a wrong key raises InvalidToken rather than letting anyone in.
"""

from __future__ import annotations

from allauth.mfa.adapter import DefaultMFAAdapter

from support.fields import fernet


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return fernet().decrypt(encrypted_text.encode()).decode()
