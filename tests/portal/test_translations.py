"""The English catalogue is complete and its compiled .mo file matches the .po file."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PO_FILE = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def _need_gettext() -> None:
    if shutil.which("msgfmt") is None or shutil.which("xgettext") is None:
        message = "GNU gettext (msgfmt, xgettext) is not installed: apt-get install gettext"
        if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


def _statistics(po_file: Path) -> dict[str, int]:
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", os.devnull, str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    )
    counts = {"translated": 0, "fuzzy": 0, "untranslated": 0}
    for number, kind in re.findall(r"(\d+) (translated|fuzzy|untranslated)", result.stderr):
        counts[kind] = int(number)
    return counts


def test_compiled_catalogue_is_up_to_date(tmp_path: Path) -> None:
    _need_gettext()
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO_FILE)], check=True)
    with MO_FILE.open("rb") as committed, fresh.open("rb") as compiled:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(compiled)._catalog
        ), "locale/en/LC_MESSAGES/django.mo is stale: run `make messages` and commit it"


def test_every_interface_string_has_an_english_translation(tmp_path: Path) -> None:
    _need_gettext()
    # Extract the strings from a copy of the code, so the working tree is left alone.
    copy = tmp_path / "project"
    copy.mkdir()
    for name in (
        "manage.py",
        "portal",
        "articles",
        "support",
        "practice",
        "templates",
        "locale",
        "tests",
    ):
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy / name)
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "en", "--no-obsolete",
         "--no-location", "--ignore", "tests/*"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )  # fmt: skip
    counts = _statistics(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert counts["translated"] > 100
    assert counts["untranslated"] == 0, "untranslated strings: run `make messages`, translate"
    assert counts["fuzzy"] == 0, "fuzzy translations: check them and remove the fuzzy flag"
