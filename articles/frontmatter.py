"""Front matter: the schema every article's YAML header is validated against, in words an
editor understands."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext_lazy as _

# libyaml's loader when PyYAML was built with it; the same safe subset either way.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Audience:
    slug: str
    label: Any  # lazy translation
    situation: Any  # how a reader names her own situation on the home page
    description: Any


AUDIENCES: dict[str, Audience] = {
    a.slug: a
    for a in (
        Audience(
            "bedrogen-partner",
            _("Bedrogen partner"),
            _("Ik ben bedrogen"),
            _("Je ontdekte dat je partner vreemdging of een verslaving verborg."),
        ),
        Audience(
            "partner-die-bedroog",
            _("Partner die bedroog"),
            _("Ik ben vreemdgegaan"),
            _("Je hebt je partner pijn gedaan en wilt het goedmaken."),
        ),
        Audience(
            "stel",
            _("Samen"),
            _("We willen samen verder"),
            _("Jullie willen samen kijken of en hoe het verder kan."),
        ),
    )
}

TOPICS: dict[str, Any] = {
    "ontdekking": _("Ontdekking"),
    "verslaving": _("Verslaving"),
    "steun": _("Steun"),
    "grenzen": _("Grenzen"),
    "zelfzorg": _("Zelfzorg"),
    "vertrouwen": _("Vertrouwen"),
    "gezondheid": _("Gezondheid"),
    "geloof": _("Geloof"),
    "veiligheid": _("Veiligheid"),
    "relatiegesprek": _("Relatiegesprek"),
}


# -- front matter schema ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # "text", "text-list", "date", "bool", "int"
    required: bool = True
    min_items: int = 0
    max_items: int = 1000
    max_length: int = 300
    choices: tuple[str, ...] = ()


SCHEMA: dict[str, FieldSpec] = {
    "title": FieldSpec("text", max_length=120),
    "summary": FieldSpec("text", max_length=400),
    "key_points": FieldSpec("text-list", min_items=3, max_items=5, max_length=200),
    "audiences": FieldSpec("text-list", min_items=1, choices=tuple(AUDIENCES)),
    "topics": FieldSpec("text-list", min_items=1, choices=tuple(TOPICS)),
    "reviewed": FieldSpec("date"),
    "authors": FieldSpec("text-list", min_items=1),
    "sources": FieldSpec("text-list", min_items=1),
    "faith_based": FieldSpec("bool", required=False),
    "order": FieldSpec("int", required=False),
    "draft": FieldSpec("bool", required=False),
}


class ContentError(Exception):
    """One problem in one content file, in words an editor understands."""

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(f"{self.path.name}: {message}")


def split_front_matter(path: Path, text: str) -> tuple[dict[str, Any], str]:
    """Return (front matter, body)."""
    if not text.startswith("---\n"):
        raise ContentError(path, "the file must start with YAML front matter between '---' lines")
    end = text.find("\n---\n", 4)
    if end == -1:
        raise ContentError(path, "the front matter has no closing '---' line")
    raw, body = text[4:end], text[end + 5 :]
    try:
        meta = yaml.load(raw, Loader=YAML_LOADER) or {}
    except yaml.YAMLError as error:
        raise ContentError(path, f"the front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise ContentError(path, "the front matter must be a list of 'key: value' lines")
    return meta, body


def validate_front_matter(path: Path, meta: dict[str, Any]) -> list[ContentError]:
    errors: list[ContentError] = []
    for key in meta:
        if key not in SCHEMA:
            known = ", ".join(SCHEMA)
            errors.append(ContentError(path, f"unknown front-matter key '{key}' (known: {known})"))
    for key, spec in SCHEMA.items():
        if key not in meta or meta[key] in (None, "", []):
            if spec.required:
                errors.append(ContentError(path, f"'{key}' is required"))
            continue
        errors.extend(_validate_value(path, key, meta[key], spec))
    return errors


def _validate_value(path: Path, key: str, value: Any, spec: FieldSpec) -> list[ContentError]:
    errors: list[ContentError] = []
    if spec.kind == "text":
        if not isinstance(value, str):
            return [ContentError(path, f"'{key}' must be text")]
        if len(value) > spec.max_length:
            errors.append(
                ContentError(path, f"'{key}' is {len(value)} characters; at most {spec.max_length}")
            )
    elif spec.kind == "text-list":
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            return [ContentError(path, f"'{key}' must be a list of texts")]
        if not spec.min_items <= len(value) <= spec.max_items:
            errors.append(
                ContentError(
                    path,
                    f"'{key}' has {len(value)} items; it needs {spec.min_items} to "
                    f"{spec.max_items}",
                )
            )
        for item in value:
            if spec.choices and item not in spec.choices:
                allowed = ", ".join(spec.choices)
                errors.append(ContentError(path, f"unknown {key} value '{item}' (use: {allowed})"))
            if len(item) > spec.max_length:
                errors.append(ContentError(path, f"an item of '{key}' is too long: '{item}'"))
        if len(set(value)) != len(value):
            errors.append(ContentError(path, f"'{key}' lists a value twice"))
    elif spec.kind == "date":
        if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
            errors.append(ContentError(path, f"'{key}' must be a date like 2026-11-23"))
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            errors.append(ContentError(path, f"'{key}' must be true or false"))
    elif spec.kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
        errors.append(ContentError(path, f"'{key}' must be a whole number"))
    return errors
