"""Bad input by field type, for tests/test_bad_input.py: dates get bad dates, numbers bad
numbers, text bad text. Every field also gets EVERY_FIELD; a field whose type cannot be read
from the pages gets UNKNOWN, a little of each type. (NUL bytes go to all fields of a form at
once: portal/middleware.py answers them before any view.)"""

from __future__ import annotations

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.forms_seen import Field

SOON = datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=3)

EVERY_FIELD = ["", "x" * 20_000]
CORPUS: dict[str, list[str]] = {
    "text": [
        "<script>alert(1)</script>",
        # A bidi override, a byte-order mark, control characters.
        "\u202e\ufeff a\x01\x08\x1b[31mb\x7f\u0085",
        "𝕳𝖔𝖚𝖛𝖆𝖘𝖙 😀 e\u0301 \u200b",  # outside the BMP, combining, zero-width
        "' OR 1=1 --",
    ],
    "number": ["-1", "99999999999999999999999", "1e309", "NaN", "1,5", "٣"],
    "date": ["9999-12-31", "0001-01-01", "2026-02-30", "31-12-2026"],
    "time": ["25:00", "23:60", "-01:00", "12:00:00.99999999"],
    "datetime": [
        "9999-12-31T23:59:59",
        "0001-01-01T00:00:00+14:00",
        # A time soon, with offsets beyond ±14:00 that PostgreSQL cannot store (Python reads them).
        f"{SOON}T18:30:00-23:59",
        f"{SOON}T18:30:00+14:01",
        "2026-02-30T10:00",
    ],
    "choice": ["niet-bestaand", "99999999999999999999999", "<script>alert(1)</script>"],
    "email": [
        "geen-adres",
        "a@b@example.org",
        "saskia@exämple.org",
        "x" * 300 + "@example.org",
        "saskia@example.org\r\nBcc: iedereen@example.org",
    ],
    "url": ["javascript:alert(1)", "http://", "ftp://example.org/a", "https://[::1"],
    "tel": ["abc", "+" * 40, "٠٦١٢٣٤٥٦٧٨"],
    "flag": ["nee"],
}
UNKNOWN = [
    *EVERY_FIELD,
    "\u202e\ufeff",
    "-1",
    "99999999999999999999999",
    "9999-12-31",
    "0001-01-01T00:00:00+14:00",
    f"{SOON}T18:30:00-23:59",
    f"{SOON}T18:30:00+14:01",
    "<script>alert(1)</script>",
]
KINDS = {
    "textarea": "text", "password": "text", "search": "text",
    "number": "number", "range": "number", "date": "date", "week": "date", "month": "date",
    "time": "time", "datetime-local": "datetime", "email": "email", "url": "url", "tel": "tel",
}  # fmt: skip
SHAPES = [  # what an option's value looks like: its choices also get that type's bad values
    (re.compile(r"\d{4}-\d\d-\d\dT"), "datetime"),
    (re.compile(r"\d{4}-(\d\d-\d\d|W\d\d)$"), "date"),
    (re.compile(r"\d\d:\d\d$"), "time"),
    (re.compile(r"-?\d+$"), "number"),
]


def bad_files() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile("leeg.ics", b"", "text/calendar"),
        SimpleUploadedFile("agenda.ics", b"\x00\xff\xfe\x89PNG\r\n\x1a\n" * 64, "text/calendar"),
        SimpleUploadedFile("half.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "text/calendar"),
        SimpleUploadedFile("a\x00" + "x" * 300 + ".ics", b"BEGIN:VCALENDAR\r\n", "text/calendar"),
        SimpleUploadedFile("agenda.ics", "BEGIN:VCALENDAR\r\n€\r\n".encode("utf-16"), "text/x"),
    ]


def types_of(seen: Field) -> set[str]:
    """The corpora a field gets: by its input type, or by the shape of its options."""
    if seen.kind in KINDS:
        return {KINDS[seen.kind]}
    if seen.kind == "checkbox" and not [o for o in seen.options if o != "on"]:
        return {"flag"}
    shapes = {t for o in seen.options for pattern, t in SHAPES if pattern.match(o)}
    if seen.kind in ("select", "radio", "checkbox", "submit"):
        return {"choice", *shapes}
    if seen.kind == "link":  # a query parameter of the page's links
        return shapes or {"choice"}
    if seen.kind == "hidden":
        return {"text", *shapes}
    return {"text"}


def bad_values(seen: Field | None) -> list:
    """Every bad value one field gets."""
    if seen is None:
        return list(UNKNOWN)
    if seen.kind == "file":
        return [*EVERY_FIELD, *bad_files()]
    values = list(EVERY_FIELD)
    for kind in sorted(types_of(seen)):
        values += CORPUS[kind]
    return list(dict.fromkeys(values))  # once each
