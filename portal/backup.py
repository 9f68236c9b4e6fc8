"""Backups of the database: made while the site runs, restored into an empty database.

A backup is two files side by side in the backup folder:

- `houvast-<UTC time>.<ext>`: the data. PostgreSQL: `pg_dump --format=custom` (ext `dump`);
  SQLite: a copy made with `VACUUM INTO` (ext `sqlite3`). With BACKUP_KEY set, the file is
  encrypted in chunks (ext gains `.enc`, see `encrypt_file`).
- `houvast-<UTC time>.json`: the manifest. Database vendor, the latest applied migration per
  app (the schema version), the row count of every table, the time, the data file's name,
  size and SHA-256. Never a key.

What is left out: the rows of live sessions (`django_session`, allauth's
`usersessions_usersession`) and of the cache table. Their tables are in the backup, empty: a
session key from a backup would open a staff member's account with password and second factor
already passed, so a restored site starts with nobody logged in. Staff second factors (TOTP
seeds, recovery codes) are in it, encrypted with FIELD_ENCRYPTION_KEYS (practice/mfa.py).

The folder is made (or set) 0700 and every file 0600, whatever the umask.

Counts and data come from one snapshot: on PostgreSQL the manifest is counted in a repeatable-
read transaction whose snapshot `pg_dump --snapshot` reuses; on SQLite they are counted in the
copy itself.

The encryption keys of the data (FIELD_ENCRYPTION_KEYS, EMAIL_DIGEST_KEY) are never in a backup:
an operator keeps them elsewhere (docs/operations.md, Backups). BACKUP_KEY is a separate Fernet key.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import connections

PREFIX = "houvast-"
NAME_PATTERN = re.compile(r"^houvast-(\d{8}T\d{6}Z)\.json$")
TIME_FORMAT = "%Y%m%dT%H%M%SZ"

# Encrypted files: a magic line, then records of a 4-byte length and a Fernet token. Each
# token's plain text starts with the chunk's number (8 bytes) and a last-chunk flag (1 byte), so
# reordered, repeated or missing chunks (a truncated file) are refused, not restored.
MAGIC = b"HOUVAST-BACKUP-1\n"
CHUNK = 4 * 1024 * 1024
HEADER = struct.Struct(">Q?")


def left_out_tables() -> tuple[str, ...]:
    """Tables whose rows a backup never holds (see the module's docstring)."""
    return (
        "django_session",
        "usersessions_usersession",
        settings.RATE_LIMIT_CACHE_TABLE,
    )


def _private_file(path: Path):
    """A new file only its owner may read, whatever the umask."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


class BackupError(Exception):
    """Something an operator must see and act on; the message says what."""


@dataclass(frozen=True)
class Backup:
    data: Path
    manifest: Path
    info: dict


# -- encryption -----------------------------------------------------------------------------------


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError) as error:
        raise BackupError(
            "BACKUP_KEY is not a Fernet key (make one with: python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        ) from error


def _chunks(path: Path) -> Iterator[tuple[bytes, bool]]:
    with path.open("rb") as source:
        current = source.read(CHUNK)
        while True:
            following = source.read(CHUNK)
            yield current, not following
            if not following:
                return
            current = following


def encrypt_file(source: Path, target: Path, key: str) -> None:
    """Encrypt `source` into `target` chunk by chunk: memory stays at a few chunks."""
    fernet = _fernet(key)
    with _private_file(target) as out:
        out.write(MAGIC)
        for number, (data, last) in enumerate(_chunks(source)):
            token = fernet.encrypt(HEADER.pack(number, last) + data)
            out.write(struct.pack(">I", len(token)) + token)


def decrypt_file(source: Path, target: Path, key: str) -> None:
    fernet = _fernet(key)
    with source.open("rb") as encrypted, target.open("wb") as out:
        if encrypted.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{source.name} is not an encrypted Houvast backup.")
        number, last = 0, False
        while not last:
            length = encrypted.read(4)
            if len(length) < 4:
                raise BackupError(f"{source.name} is incomplete (cut off after chunk {number}).")
            token = encrypted.read(struct.unpack(">I", length)[0])
            try:
                plain = fernet.decrypt(token)
            except InvalidToken as error:
                raise BackupError(
                    f"{source.name} cannot be decrypted: wrong BACKUP_KEY, or the file is damaged."
                ) from error
            index, last = HEADER.unpack_from(plain)
            if index != number:
                raise BackupError(f"{source.name} is damaged (chunks out of order).")
            out.write(plain[HEADER.size :])
            number += 1
        if encrypted.read(1):
            raise BackupError(f"{source.name} is damaged (data after the last chunk).")


# -- what is in a database ------------------------------------------------------------------------


def _tables(alias: str) -> list[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def _counts(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _schema(cursor) -> dict[str, str]:
    """The latest applied migration of every app."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    latest: dict[str, str] = {}
    for app, name in cursor.fetchall():
        latest[app] = name
    return dict(sorted(latest.items()))


def _sha256(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def _pg_conninfo(alias: str) -> dict[str, str]:
    params = connections[alias].settings_dict
    conninfo = {
        "PGHOST": params.get("HOST") or "",
        "PGPORT": str(params.get("PORT") or ""),
        "PGUSER": params.get("USER") or "",
        "PGDATABASE": params["NAME"],
    }
    if params.get("PASSWORD"):
        conninfo["PGPASSWORD"] = params["PASSWORD"]  # to the child's environment, not its argv
    return {key: value for key, value in conninfo.items() if value}


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(
            command, env={**os.environ, **env}, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed; it must match the PostgreSQL server's version."
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


# -- making a backup ------------------------------------------------------------------------------


def make_backup(
    directory: Path, *, alias: str = "default", key: str = "", now: datetime.datetime | None = None
) -> Backup:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    now = now or datetime.datetime.now(datetime.UTC)
    stamp = now.strftime(TIME_FORMAT)
    connection = connections[alias]
    vendor = connection.vendor
    suffix = {"postgresql": "dump", "sqlite": "sqlite3"}.get(vendor)
    if suffix is None:
        raise BackupError(f"Backups of a {vendor} database are not supported.")
    with tempfile.TemporaryDirectory(dir=directory, prefix=".making-") as work:
        plain = Path(work) / f"{PREFIX}{stamp}.{suffix}"
        if vendor == "sqlite":
            counts, schema = _backup_sqlite(alias, plain)
        else:
            counts, schema = _backup_postgresql(alias, plain)
        data = directory / (plain.name + (".enc" if key else ""))
        if data.exists():
            raise BackupError(f"{data.name} exists already; wait a second and try again.")
        if key:
            encrypt_file(plain, data, key)
        else:
            plain.chmod(0o600)  # made in a 0700 folder, so never readable by others meanwhile
            shutil.move(plain, data)
    info = {
        "format": 1,
        "vendor": vendor,
        "created_at": now.isoformat(timespec="seconds"),
        "file": data.name,
        "size": data.stat().st_size,
        "sha256": _sha256(data),
        "encrypted": bool(key),
        "schema": schema,
        "counts": counts,
    }
    manifest = directory / f"{PREFIX}{stamp}.json"
    with _private_file(manifest) as out:
        out.write((json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
    return Backup(data=data, manifest=manifest, info=info)


def _backup_sqlite(alias: str, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    connection = connections[alias]
    connection.ensure_connection()
    # VACUUM INTO reads one consistent snapshot and writes a compact copy; writers go on.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(target)])
    with sqlite3.connect(target) as copy:
        copy_cursor = copy.cursor()
        copy_cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        tables = [row[0] for row in copy_cursor.fetchall() if not row[0].startswith("sqlite_")]
        for table in set(left_out_tables()) & set(tables):
            copy_cursor.execute(f'DELETE FROM "{table}"')
        copy.commit()
        # Rebuilt, so no page of the file holds a deleted row any more.
        copy_cursor.execute("VACUUM")
        counts = _counts(copy_cursor, tables, lambda name: f'"{name}"')
        schema = _schema(copy_cursor)
    copy.close()
    return counts, schema


def _backup_postgresql(alias: str, target: Path) -> tuple[dict[str, int], dict[str, str]]:
    with psycopg.connect(**connections[alias].get_connection_params()) as pg:
        # One snapshot for the counts and the dump, held open until pg_dump has taken it.
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = pg.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None  # the function always returns one row
        snapshot = row[0]
        tables = [
            row[0]
            for row in pg.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            ).fetchall()
        ]
        cursor = pg.cursor()
        left_out = [table for table in left_out_tables() if table in tables]
        counted = [table for table in tables if table not in left_out]
        counts = _counts(cursor, counted, lambda name: '"' + name.replace('"', '""') + '"')
        counts.update(dict.fromkeys(left_out, 0))
        counts = dict(sorted(counts.items()))
        schema = _schema(cursor)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                *(f"--exclude-table-data={table}" for table in left_out),
            ],
            _pg_conninfo(alias),
        )
        pg.rollback()
    return counts, schema


# -- restoring ------------------------------------------------------------------------------------


NOT_EMPTY = (
    "De database is niet leeg: een backup wordt alleen in een lege database teruggezet, zodat "
    "er niets wordt overschreven. Maak een nieuwe, lege database en zet DATABASE_URL daarop.\n"
    "The database is not empty: a backup is only restored into an empty database, so nothing "
    "is overwritten. Create a new, empty database and point DATABASE_URL at it."
)


def read_manifest(data_or_manifest: Path) -> tuple[Path, dict]:
    """The manifest beside a backup file (or the manifest itself) and the data file it names."""
    path = data_or_manifest
    if path.suffix != ".json":
        stem = path.name.split(".", 1)[0]
        path = path.with_name(stem + ".json")
    if not path.exists():
        raise BackupError(f"No manifest {path.name} beside the backup; it is needed to check it.")
    info = json.loads(path.read_text())
    return path.with_name(info["file"]), info


def restore_backup(file: Path, *, alias: str = "default", key: str = "") -> dict:
    """Restore into an empty database, then check every table's row count against the manifest.

    Returns the manifest. Raises BackupError for a non-empty target, a wrong key, a damaged file
    or counts that differ.
    """
    data, info = read_manifest(file)
    connection = connections[alias]
    if info["vendor"] != connection.vendor:
        raise BackupError(
            f"This is a {info['vendor']} backup; the database is {connection.vendor}."
        )
    if not data.exists():
        raise BackupError(f"The backup file {data.name} is missing.")
    if _sha256(data) != info["sha256"]:
        raise BackupError(f"{data.name} does not match its manifest (damaged or replaced).")
    if _tables(alias):
        raise BackupError(NOT_EMPTY)
    if info["encrypted"] and not key:
        raise BackupError(f"{data.name} is encrypted: set BACKUP_KEY to the key it was made with.")
    with tempfile.TemporaryDirectory() as work:
        plain = data
        if info["encrypted"]:
            plain = Path(work) / data.name.removesuffix(".enc")
            decrypt_file(data, plain, key)
        if info["vendor"] == "sqlite":
            _restore_sqlite(alias, plain)
        else:
            _restore_postgresql(alias, plain)
    connection.close()
    counts = _restored_counts(alias, list(info["counts"]))
    wrong = {
        table: (expected, counts.get(table))
        for table, expected in info["counts"].items()
        if counts.get(table) != expected
    }
    if wrong:
        details = ", ".join(f"{t}: {got} instead of {want}" for t, (want, got) in wrong.items())
        raise BackupError(f"The restored data differs from the manifest: {details}")
    return info


def _restored_counts(alias: str, tables: list[str]) -> dict[str, int]:
    connection = connections[alias]
    present = set(_tables(alias))
    with connection.cursor() as cursor:
        return _counts(cursor, [t for t in tables if t in present], connection.ops.quote_name)


def _restore_sqlite(alias: str, plain: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    source = sqlite3.connect(plain)
    try:
        # The online backup API copies every page, triggers included, into the open database.
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_postgresql(alias: str, plain: Path) -> None:
    connections[alias].close()
    # Data is loaded before the access log's triggers are made (they are in the dump's
    # post-data section), so the append-only rule never meets the restore.
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_pg_conninfo(alias)['PGDATABASE']}",
            str(plain),
        ],
        _pg_conninfo(alias),
    )


# -- retention ------------------------------------------------------------------------------------


def prune(directory: Path, *, keep_daily: int, keep_weekly: int) -> list[Path]:
    """Delete backups beyond the newest of each of the last `keep_daily` days and the newest of
    each of the last `keep_weekly` ISO weeks (days and weeks that have a backup). The newest
    backup is always kept. Returns the deleted files."""
    found: list[tuple[datetime.datetime, Path]] = []
    for manifest in directory.glob(f"{PREFIX}*.json"):
        match = NAME_PATTERN.match(manifest.name)
        if match:
            when = datetime.datetime.strptime(match[1], TIME_FORMAT).replace(tzinfo=datetime.UTC)
            found.append((when, manifest))
    found.sort(reverse=True)
    keep: set[Path] = {found[0][1]} if found else set()
    days: list[datetime.date] = []
    weeks: list[tuple[int, int]] = []
    for when, manifest in found:
        day, week = when.date(), when.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.append(day)
            keep.add(manifest)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.append(week)
            keep.add(manifest)
    deleted = []
    for _when, manifest in found:
        if manifest in keep:
            continue
        stem = manifest.name.removesuffix(".json")
        for path in directory.glob(f"{stem}.*"):
            path.unlink()
            deleted.append(path)
    return deleted


def unreadable_encrypted_fields(alias: str = "default") -> list[str]:
    """Models whose stored encrypted values no configured key opens (checked on one row each)."""
    unreadable = []
    for model in apps.get_models():
        fields = [
            f.name for f in model._meta.concrete_fields if getattr(f, "encrypted_at_rest", False)
        ]
        if not fields:
            continue
        try:
            model._base_manager.using(alias).values_list(*fields).first()
        except InvalidToken:
            unreadable.append(model._meta.label)
    # Staff second factors (practice/mfa.py): a TOTP secret in the JSON data.
    if apps.is_installed("allauth.mfa"):
        authenticator = apps.get_model("mfa", "Authenticator")
        data = authenticator.objects.using(alias).filter(type="totp").values_list("data").first()
        if data is not None:
            keys = MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])
            try:
                keys.decrypt(str(data[0].get("secret", "")).encode())
            except InvalidToken:
                unreadable.append("mfa.Authenticator")
    return unreadable
