"""The forms a page renders, read from its HTML: each field's name, input type and options.

tests/test_bad_input.py reads a field's type here (a date field gets bad dates, a choice field
bad choices) instead of from a list kept by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve


@dataclass
class Field:
    kind: str  # an input's type ("text", "date", "file", …), "select", "textarea", "submit"
    method: str  # "get" or "post": how its form is sent ("get" for a link's query parameter)
    options: list[str] = field(default_factory=list)  # a select's options, radios' values


@dataclass
class _Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[_Form] = []
        self.links: list[str] = []
        self.form: _Form | None = None
        self.select: Field | None = None

    def add(self, name: str | None, kind: str) -> Field | None:
        if self.form is None or not name or name == "csrfmiddlewaretoken":
            return None
        return self.form.fields.setdefault(name, Field(kind, self.form.method))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self.form = _Form(urlsplit(action).path, (a.get("method") or "get").lower())
            self.forms.append(self.form)
        elif tag == "input":
            found = self.add(a.get("name"), (a.get("type") or "text").lower())
            if found is not None and found.kind in ("radio", "checkbox", "hidden") and "value" in a:
                found.options.append(a["value"])
        elif tag == "button" and a.get("name"):
            found = self.add(a["name"], "submit")
            if found is not None:
                found.options.append(a.get("value", ""))
        elif tag == "a" and "?" in a.get("href", ""):
            self.links.append(urljoin(self.page, a["href"]))
        elif tag == "textarea":
            self.add(a.get("name"), "textarea")
        elif tag == "select":
            self.select = self.add(a.get("name"), "select")
        elif tag == "option" and self.select is not None:
            self.select.options.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None


def url_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


def fields_on(page: str, html: str) -> dict[str, dict[str, Field]]:
    """The fields of each form on a page and the query parameters of its links, by the URL
    name they are sent to."""
    reader = _Reader(page)
    reader.feed(html)
    found: dict[str, dict[str, Field]] = {}
    for form in reader.forms:
        if name := url_name(form.action):
            for field_name, seen in form.fields.items():
                found.setdefault(name, {}).setdefault(field_name, seen)
    for link in reader.links:
        parts = urlsplit(link)
        if parts.netloc not in ("", "testserver") or not (name := url_name(parts.path)):
            continue
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            seen = found.setdefault(name, {}).setdefault(key, Field("link", "get"))
            seen.options.append(value)
    return found
