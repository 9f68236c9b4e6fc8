"""What a backup gives whoever gets hold of it: no unencrypted file unless asked for, files only
the operator reads, no live session, and staff second factors only as ciphertext."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from contextlib import closing
from io import StringIO

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.usersessions.models import UserSession
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal import backup
from tests.staff_fixtures import TOTP_SECRET, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def stored_data(authenticator: Authenticator) -> str:
    """The authenticator's data column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE id = %s", [authenticator.pk])
        return str(cursor.fetchone()[0])


def test_no_backup_without_a_key_unless_asked_for_in_plain_text(tmp_path, settings) -> None:
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError, match="BACKUP_KEY is not set") as refused:
        call_command("backup", "--dir", str(tmp_path), stdout=StringIO())
    assert "--plaintext" in str(refused.value)
    assert "password hash" in str(refused.value)  # it says why
    assert not list(tmp_path.iterdir())
    out = StringIO()
    call_command("backup", "--dir", str(tmp_path), "--plaintext", stdout=out)
    assert "Not encrypted" in out.getvalue()
    assert len(list(tmp_path.glob("*.json"))) == 1


@pytest.mark.parametrize("encrypted", [True, False])
def test_only_the_operator_can_read_a_backup_whatever_the_umask(tmp_path, encrypted) -> None:
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o755)
    old = os.umask(0)
    try:
        made = backup.make_backup(folder, key=Fernet.generate_key().decode() if encrypted else "")
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in (made.data, made.manifest):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def _backup_text(made: backup.Backup) -> bytes:
    """Everything the (plain) backup file holds, in a form a search can read."""
    if connection.vendor == "sqlite":
        return made.data.read_bytes()
    env = {**os.environ, **backup._pg_conninfo("default")}
    return subprocess.run(
        ["pg_restore", "--data-only", "--file=-", str(made.data)],
        env=env,
        capture_output=True,
        check=True,
    ).stdout


def test_sessions_and_caches_are_left_out(tmp_path, make_account) -> None:
    user = make_account("coordinator", "helper.session@example.org")
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    UserSession.objects.create(
        user=user, ip="192.0.2.1", session_key=session.session_key, user_agent="Browser"
    )
    with connection.cursor() as cursor:
        # Made by migrate only where the cache is a database table (no REDIS_URL).
        if settings.RATE_LIMIT_CACHE_TABLE in connection.introspection.table_names(cursor):
            table = settings.RATE_LIMIT_CACHE_TABLE
            cursor.execute(
                f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s)",
                [f"cached-secret-{table}", "value", "2999-01-01 00:00:00"],
            )
    made = backup.make_backup(tmp_path)
    for table in backup.left_out_tables():
        assert made.info["counts"].get(table, 0) == 0, table
    assert made.info["counts"]["auth_user"] >= 1
    text = _backup_text(made)
    assert session.session_key.encode() not in text
    assert b"cached-secret" not in text
    assert b"helper.session@example.org" in text  # the rest is there
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(made.data)) as copy:
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
        assert {"django_session", "usersessions_usersession"} <= tables  # there, empty


def test_second_factors_are_encrypted_at_rest(make_account) -> None:
    user = make_account("coordinator", "coordinator.mfa@example.org")  # with TOTP_SECRET
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert TOTP_SECRET not in stored_data(totp)
    assert stored_data(totp).count("gAAAAA") == 1
    assert TOTP(totp).validate_code(totp_code())
    codes = RecoveryCodes.activate(user)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert codes.instance.data["seed"] not in ("", None)
    assert "gAAAAA" in stored_data(stored)
    # The seed is no plain hexadecimal string any more: the codes cannot be made from the row.
    assert all(len(part) < 80 for part in stored_data(stored).split('"') if part.isalnum())
    assert RecoveryCodes(stored).validate_code(codes.get_unused_codes()[0])


def test_reencrypt_fields_encrypts_second_factors_stored_in_clear(make_account) -> None:
    user = make_account("coordinator", "coordinator.old@example.org")
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    # As allauth's own adapter stores them: in clear.
    Authenticator.objects.filter(pk=totp.pk).update(data={"secret": TOTP_SECRET})
    seed = "ab12" * 20
    recovery = Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": seed, "used_mask": 0}
    )
    assert TOTP_SECRET in stored_data(totp)
    out = StringIO()
    call_command("reencrypt_fields", stdout=out)
    assert "2 staff second factor(s)" in out.getvalue()
    assert TOTP_SECRET not in stored_data(totp)
    assert seed not in stored_data(recovery)
    assert TOTP(Authenticator.objects.get(pk=totp.pk)).validate_code(totp_code())
    recovery.refresh_from_db()
    assert get_adapter().decrypt(recovery.data["seed"]) == seed  # the same codes as before
    assert len(RecoveryCodes(recovery).generate_codes()) == settings.MFA_RECOVERY_CODE_COUNT


def test_reencrypt_fields_moves_second_factors_to_the_new_key(make_account, settings) -> None:
    user = make_account("coordinator", "coordinator.rotate@example.org")
    RecoveryCodes.activate(user)
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    out = StringIO()
    call_command("reencrypt_fields", stdout=out)
    assert "2 staff second factor(s)" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key dropped
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert TOTP(totp).validate_code(totp_code())
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert len(RecoveryCodes(recovery).get_unused_codes()) == settings.MFA_RECOVERY_CODE_COUNT


def test_a_restore_names_second_factors_the_keys_do_not_open(make_account, settings) -> None:
    make_account("coordinator", "coordinator.keys@example.org")
    assert "mfa.Authenticator" not in backup.unreadable_encrypted_fields()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert "mfa.Authenticator" in backup.unreadable_encrypted_fields()
