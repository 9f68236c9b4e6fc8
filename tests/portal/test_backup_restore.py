"""Backups an operator can rely on: made while the site runs, restored into an empty database,
read back by the app with the same keys, and refused or explained when something is wrong.

The drill runs on the suite's database: SQLite in the first CI pass, PostgreSQL in the second
(a fresh database is made for the restore and dropped after).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from portal import backup
from tests.backup_data import intake_values, make_drill_data
from tests.databases import empty_database

# Starts real server processes: part of `make test`, left out of `make quick`.
pytestmark = pytest.mark.server

BASE_DIR = Path(__file__).resolve().parents[2]
WRONG_KEY = "pK5o3o0Qe3oQHhJcS7uO9dH1w1d2vJ1r0t4kq3l8m2A="


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    with empty_database(tmp_path, "restore") as url:
        yield url


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an app started on the restored database, with the suite's keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    if env.get("REDIS_URL"):
        # Redis as in production, a database of its own so the suite's cache clearing is apart.
        env["REDIS_URL"] = re.sub(r"/\d*$", "", env["REDIS_URL"].rstrip("/")) + "/4"
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url,
            "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
            "EMAIL_DIGEST_KEY": settings.EMAIL_DIGEST_KEY,
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            **extra,
        }
    )
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.django_db(transaction=True)
def test_restore_drill_reads_every_intake_back_with_the_same_keys(
    tmp_path, settings, fresh_database, make_booking, make_group, make_account
) -> None:
    make_drill_data(make_booking, make_group, make_account)
    expected = intake_values()
    assert len(expected) == 3 + 1 + 2  # bookings, the partner's intake, sign-ups
    assert backup_answer("hopes") in [row.get("hopes") for row in expected.values()]

    backup_key = Fernet.generate_key().decode()
    settings.BACKUP_KEY = backup_key
    out = StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
    assert "encrypted" in out.getvalue()
    manifest_path = next((tmp_path / "backups").glob("*.json"))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"]["support_booking"] == 3
    assert manifest["counts"]["support_partnerintake"] == 1
    assert manifest["counts"]["support_signup"] == 2
    assert manifest["counts"]["practice_accesslogentry"] == 4
    assert manifest["schema"]["support"].startswith("00")
    # No key is in the manifest.
    text = manifest_path.read_text()
    for secret in [*settings.FIELD_ENCRYPTION_KEYS, settings.EMAIL_DIGEST_KEY, backup_key]:
        assert secret not in text

    # Restore into the fresh database, as an operator would, in a process of its own.
    env = app_env(fresh_database, BACKUP_KEY=backup_key)
    restored = run(["manage.py", "restore", str(manifest_path)], env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "counts as in the manifest" in restored.stdout
    assert "keys open the stored intakes" in restored.stdout

    # The app, started on the restored database with the same keys, reads every intake exactly.
    probe = run(["-m", "tests.restore_probe"], env)
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    assert report["intakes"] == expected
    # The coordinator's authenticator still gives codes the restored site takes; nobody is
    # logged in (no session came along).
    assert report["totp"] is True
    assert report["sessions"] == 0
    assert "Nobody is logged in" in restored.stdout
    assert report["pages"]["healthz"]["status"] == 200
    assert report["pages"]["booking"]["status"] == 200
    assert "Je afspraak" in report["pages"]["booking"]["body"]

    # A second restore into the same (now full) database is refused, in Dutch and English.
    again = run(["manage.py", "restore", str(manifest_path)], env)
    assert again.returncode != 0
    assert "De database is niet leeg" in again.stderr
    assert "The database is not empty" in again.stderr

    # With a wrong key the app says so: no ciphertext, no 500 page, and the restore warns.
    wrong = app_env(fresh_database, FIELD_ENCRYPTION_KEYS=WRONG_KEY)
    probe = run(["-m", "tests.restore_probe"], wrong)
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    assert report["intakes"] == "InvalidToken"
    page = report["pages"]["booking"]
    assert page["status"] == 503
    assert "Je gegevens zijn nu niet te lezen" in page["body"]
    assert "Er ging bij ons iets mis" not in page["body"]  # not the 500 page
    assert "gAAAAA" not in page["body"]  # no Fernet token
    assert "Saskia" not in page["body"]
    assert "FIELD_ENCRYPTION_KEYS" in probe.stderr  # the operator's log says what to check
    assert report["totp"] == "InvalidToken"  # and no code is taken


def backup_answer(field: str) -> str:
    from tests.backup_data import ANSWERS

    return ANSWERS[0][field]


@pytest.mark.django_db(transaction=True)
def test_restore_with_the_wrong_keys_warns_the_operator(
    tmp_path, fresh_database, make_booking
) -> None:
    make_booking(what_happened="Iets.")
    call_command("backup", "--dir", str(tmp_path), "--plaintext", stdout=StringIO())
    manifest = next(tmp_path.glob("*.json"))
    result = run(
        ["manage.py", "restore", str(manifest)],
        app_env(fresh_database, FIELD_ENCRYPTION_KEYS=WRONG_KEY),
    )
    assert result.returncode == 0, result.stderr
    assert "FIELD_ENCRYPTION_KEYS opens none of the encrypted values" in result.stderr
    assert "support.Booking" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_wrong_backup_key_and_a_damaged_file(
    tmp_path, fresh_database, make_booking
) -> None:
    make_booking()
    made = backup.make_backup(tmp_path, key=Fernet.generate_key().decode())
    env = app_env(fresh_database, BACKUP_KEY=Fernet.generate_key().decode())
    result = run(["manage.py", "restore", str(made.data)], env)
    assert result.returncode != 0
    assert "wrong BACKUP_KEY" in result.stderr
    env["BACKUP_KEY"] = ""
    result = run(["manage.py", "restore", str(made.data)], env)
    assert "set BACKUP_KEY" in result.stderr
    # A file cut short no longer matches its manifest.
    data = made.data.read_bytes()
    made.data.write_bytes(data[: len(data) // 2])
    result = run(["manage.py", "restore", str(made.data)], app_env(fresh_database))
    assert result.returncode != 0
    assert "does not match its manifest" in result.stderr


def test_encrypted_files_refuse_truncation_and_reordering(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(backup, "CHUNK", 10)
    key = Fernet.generate_key().decode()
    plain = tmp_path / "plain"
    plain.write_bytes(bytes(range(256)) * 3)
    encrypted, back = tmp_path / "enc", tmp_path / "back"
    backup.encrypt_file(plain, encrypted, key)
    backup.decrypt_file(encrypted, back, key)
    assert back.read_bytes() == plain.read_bytes()
    # Drop the last chunk: refused as incomplete.
    raw = encrypted.read_bytes()
    records = _records(raw[len(backup.MAGIC) :])
    encrypted.write_bytes(backup.MAGIC + b"".join(records[:-1]))
    with pytest.raises(backup.BackupError, match="incomplete"):
        backup.decrypt_file(encrypted, back, key)
    # Swap two chunks: refused.
    encrypted.write_bytes(backup.MAGIC + records[1] + records[0] + b"".join(records[2:]))
    with pytest.raises(backup.BackupError, match="out of order"):
        backup.decrypt_file(encrypted, back, key)


def _records(raw: bytes) -> list[bytes]:
    records = []
    while raw:
        length = int.from_bytes(raw[:4], "big")
        records.append(raw[: 4 + length])
        raw = raw[4 + length :]
    return records


def test_retention_keeps_daily_and_weekly_backups(tmp_path) -> None:
    start = datetime.datetime(2026, 1, 1, 3, 0, tzinfo=datetime.UTC)
    for day in range(60):
        for hour in (0, 12):
            when = start + datetime.timedelta(days=day, hours=hour)
            stem = f"houvast-{when:%Y%m%dT%H%M%SZ}"
            (tmp_path / f"{stem}.json").write_text("{}")
            (tmp_path / f"{stem}.dump").write_text("data")
    deleted = backup.prune(tmp_path, keep_daily=7, keep_weekly=4)
    kept = sorted(p.name for p in tmp_path.glob("*.json"))
    # The newest of each of the last 7 days, plus the newest of each of 4 weeks (overlapping).
    assert kept[-1] == "houvast-20260301T150000Z.json"
    days = {name[8:16] for name in kept}
    assert len(kept) == len(days)
    assert {f"202602{d}" for d in range(23, 29)} | {"20260301"} <= days
    assert len(kept) == 7 + 3  # three earlier weeks besides the one of the last days
    assert len(deleted) == 2 * (120 - len(kept))  # each manifest with its data file
    assert all((tmp_path / f"{name[:-5]}.dump").exists() for name in kept)
