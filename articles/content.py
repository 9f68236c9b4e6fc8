"""The whole Markdown pipeline for guidance articles: load, validate, render, cache, index.

Articles are files `content/<slug>.md` with YAML front matter. Every file is validated against
the schema below and rendered once; the result stays in memory and is rendered again only when
the file changes on disk. Nothing here touches the database.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import os
import re
import threading
import time
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import markdown
import nh3
import yaml
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.block import Block

logger = logging.getLogger(__name__)

# libyaml's loader when PyYAML was built with it; the same safe subset either way.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Bump when rendering changes, so cached renders from older code are not used.
RENDER_PIPELINE_VERSION = "1"


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

# Words per minute for a calm reader at B1 level.
READING_WORDS_PER_MINUTE = 180
# Files in the content folder that are not articles: the editor's checklist.
NOT_ARTICLES = frozenset({"README.md"})
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --------------------------------------------------------------------------------------------
# Front matter schema
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Markdown extensions of our own
# --------------------------------------------------------------------------------------------

BOX_KINDS = {
    # Content is Dutch whatever the interface language, so these labels are not translated.
    "doen": ("Doen", "✓"),
    "niet-doen": ("Niet doen", "✗"),
    "let-op": ("Let op", "!"),
    "oefening": ("Oefening", "●"),
}


class BoxBlock(Block):
    """A titled box: `/// doen | optional title` … `///`.

    The kind is always said in words (a badge), not only by colour or icon.
    """

    ARGUMENT = None
    OPTIONS: dict[str, Any] = {}

    def on_create(self, parent: etree.Element) -> etree.Element:
        label, icon = BOX_KINDS[self.NAME]
        box = etree.SubElement(parent, "div", {"class": f"box box-{self.NAME}"})
        title = etree.SubElement(box, "p", {"class": "box-title"})
        badge = etree.SubElement(title, "span", {"class": "box-kind"})
        mark = etree.SubElement(badge, "span", {"class": "box-icon", "aria-hidden": "true"})
        mark.text = icon
        mark.tail = f" {label}"
        if self.argument:
            badge.tail = f" {self.argument}"
        return box


class DiagramBlock(Block):
    """`/// diagram | name` … `///`: an SVG from content/diagrams/ with its caption."""

    NAME = "diagram"
    ARGUMENT = True
    OPTIONS: dict[str, Any] = {}

    def on_create(self, parent: etree.Element) -> etree.Element:
        figure = etree.SubElement(parent, "figure", {"class": "diagram"})
        etree.SubElement(figure, "div", {"class": "diagram-image", "data-diagram": self.argument})
        etree.SubElement(figure, "figcaption")
        return figure

    def on_add(self, block: etree.Element) -> etree.Element:
        caption = block.find("figcaption")
        assert caption is not None  # made by on_create
        return caption


class HouvastBlocksExtension(BlocksExtension):
    def extendMarkdownBlocks(self, md: markdown.Markdown, block_mgr: Any) -> None:
        for name in BOX_KINDS:
            block_mgr.register(type(f"Box_{name}", (BoxBlock,), {"NAME": name}), {})
        block_mgr.register(DiagramBlock, {})


@dataclass
class RenderFindings:
    """What the tree walk noticed, for validation."""

    links: list[str] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (src, alt)
    diagrams: list[str] = field(default_factory=list)
    top_headings: int = 0


class LinkTreeprocessor(Treeprocessor):
    """Collect links for validation and mark links that leave the site."""

    def __init__(self, md: markdown.Markdown, findings: RenderFindings) -> None:
        super().__init__(md)
        self.findings = findings

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "h1":
                self.findings.top_headings += 1
            elif element.tag == "img":
                self.findings.images.append((element.get("src", ""), element.get("alt", "")))
            elif element.tag == "div" and element.get("data-diagram"):
                self.findings.diagrams.append(element.get("data-diagram", ""))
            elif element.tag == "a":
                href = element.get("href", "")
                self.findings.links.append(href)
                if urlsplit(href).scheme in ("http", "https"):
                    element.set("class", "external")
                    element.set("rel", "external noopener noreferrer")
                    hint = etree.SubElement(element, "span", {"class": "visually-hidden"})
                    hint.text = " (externe website)"


class FindingsExtension(Extension):
    def __init__(self, findings: RenderFindings) -> None:
        super().__init__()
        self.findings = findings

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline parsing (priority < 20) so links and images exist.
        md.treeprocessors.register(LinkTreeprocessor(md, self.findings), "houvast_links", 5)


# --------------------------------------------------------------------------------------------
# Sanitising
# --------------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "a", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "div",
    "span", "figure", "figcaption", "img", "abbr", "del", "mark", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "aria-hidden"},
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "div": {"data-diagram"},
    "abbr": {"title"},
}


def sanitize(html: str) -> str:
    """Keep only an allow-list of tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
    )


# SVG diagrams are our own files, but they are still checked against an allow-list before they
# are placed in a page.
SVG_NS = "{http://www.w3.org/2000/svg}"
SVG_ELEMENTS = {
    "svg", "g", "title", "desc", "defs", "marker", "circle", "ellipse", "rect", "line", "path",
    "polygon", "polyline", "text", "tspan",
}  # fmt: skip
SVG_ATTRIBUTES = {
    "xmlns", "viewBox", "role", "aria-labelledby", "aria-hidden", "id", "class", "fill", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-linecap", "stroke-linejoin", "x", "y", "x1",
    "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d", "points", "transform", "text-anchor",
    "dominant-baseline", "font-size", "font-weight", "marker-end", "markerWidth",
    "markerHeight", "refX", "refY", "orient", "opacity", "width", "height", "fill-opacity",
    "markerUnits", "focusable",
}  # fmt: skip
DIAGRAM_SLOT = re.compile(r'<div class="diagram-image" data-diagram="([a-z0-9-]+)"></div>')


def load_diagram(path: Path) -> str:
    """Return the SVG markup of a diagram, or raise ContentError when it is unsafe or unclear."""
    try:
        source = path.read_text(encoding="utf-8")
        root = SafeElementTree.fromstring(source)
    except FileNotFoundError:
        raise ContentError(path, "this diagram does not exist") from None
    except Exception as error:  # a parse error of any kind
        raise ContentError(path, f"the diagram is not valid SVG: {error}") from None
    if root.tag != f"{SVG_NS}svg":
        raise ContentError(path, "the diagram's root element must be <svg>")
    for element in root.iter():
        name = element.tag.removeprefix(SVG_NS)
        if name not in SVG_ELEMENTS:
            raise ContentError(path, f"<{name}> is not allowed in a diagram")
        for attribute in element.attrib:
            if attribute not in SVG_ATTRIBUTES:
                raise ContentError(path, f"the attribute '{attribute}' is not allowed on <{name}>")
    title = root.find(f"{SVG_NS}title")
    if title is None or not (title.text or "").strip():
        raise ContentError(path, "the diagram needs a <title> as its text alternative")
    if root.get("role") != "img" or not root.get("aria-labelledby"):
        raise ContentError(path, "the diagram needs role='img' and aria-labelledby")
    return re.sub(r"^<\?xml[^>]*>\s*", "", source.strip())


# --------------------------------------------------------------------------------------------
# Articles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TocEntry:
    id: str
    title: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    summary: str
    key_points: tuple[str, ...]
    audiences: tuple[str, ...]
    topics: tuple[str, ...]
    reviewed: datetime.date
    authors: tuple[str, ...]
    sources: tuple[str, ...]
    faith_based: bool
    order: int
    draft: bool
    html: str
    toc: tuple[TocEntry, ...]
    text: str  # plain text of the body, for search and reading time
    word_count: int

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / READING_WORDS_PER_MINUTE))

    @property
    def audience_list(self) -> list[Audience]:
        return [AUDIENCES[a] for a in self.audiences]

    @property
    def topic_list(self) -> list[tuple[str, Any]]:
        return [(t, TOPICS[t]) for t in self.topics]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("articles:detail", kwargs={"slug": self.slug})


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[TocEntry, ...]
    text: str
    findings: RenderFindings
    raw_html: tuple[str, ...]


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def html_to_text(html: str) -> str:
    import html as html_module

    return _SPACE.sub(" ", html_module.unescape(_TAG.sub(" ", html))).strip()


def _toc_entries(tokens: list[dict[str, Any]]) -> tuple[TocEntry, ...]:
    return tuple(
        TocEntry(t["id"], html_to_text(t["name"]), _toc_entries(t.get("children", [])))
        for t in tokens
    )


def render_markdown(body: str, diagrams_dir: Path | None = None) -> Rendered:
    """Render one document with a fresh Markdown instance and sanitise the result."""
    findings = RenderFindings()
    md = markdown.Markdown(
        extensions=[
            "toc",
            "tables",
            "footnotes",
            "sane_lists",
            HouvastBlocksExtension(),
            FindingsExtension(findings),
        ],
        extension_configs={
            "toc": {"toc_depth": "2-3", "slugify": slugify_unicode, "permalink": False},
            "tables": {"use_align_attribute": True},
            "footnotes": {"BACKLINK_TITLE": "Terug naar de tekst"},
        },
        output_format="html",
    )
    html = md.convert(body)
    raw_html = tuple(
        str(chunk).strip()
        for chunk in md.htmlStash.rawHtmlBlocks
        if str(chunk).lstrip().startswith("<")
    )
    clean = sanitize(html)
    if diagrams_dir is not None:

        def inline_svg(match: re.Match[str]) -> str:
            try:
                return load_diagram(diagrams_dir / f"{match.group(1)}.svg")
            except ContentError:
                return ""  # validation reports it; a page never breaks on it

        clean = DIAGRAM_SLOT.sub(inline_svg, clean)
    return Rendered(
        html=clean,
        toc=_toc_entries(md.toc_tokens),
        text=html_to_text(clean),
        findings=findings,
        raw_html=raw_html,
    )


def _toc_to_json(entries: tuple[TocEntry, ...]) -> list[Any]:
    return [[e.id, e.title, _toc_to_json(e.children)] for e in entries]


def _toc_from_json(items: list[Any]) -> tuple[TocEntry, ...]:
    return tuple(TocEntry(i, t, _toc_from_json(c)) for i, t, c in items)


def render_cached(
    body: str, *, diagrams_dir: Path, cache_dir: Path | None, fingerprint: str = ""
) -> Rendered:
    """render_markdown, remembered on disk by content hash so a restart need not render again.

    `check_content` (run on deploy) fills the cache; the key covers the text, the diagrams and
    the pipeline version, so a stale entry is never used.
    """
    if cache_dir is None:
        return render_markdown(body, diagrams_dir=diagrams_dir)
    key = hashlib.sha256(f"{RENDER_PIPELINE_VERSION}\0{fingerprint}\0{body}".encode()).hexdigest()
    cache_file = cache_dir / key[:2] / f"{key}.json"
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        return Rendered(
            html=data["html"],
            toc=_toc_from_json(data["toc"]),
            text=data["text"],
            findings=RenderFindings(
                links=data["links"],
                images=[tuple(i) for i in data["images"]],
                diagrams=data["diagrams"],
                top_headings=data["top_headings"],
            ),
            raw_html=tuple(data["raw_html"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rendered = render_markdown(body, diagrams_dir=diagrams_dir)
    data = {
        "html": rendered.html,
        "toc": _toc_to_json(rendered.toc),
        "text": rendered.text,
        "links": rendered.findings.links,
        "images": rendered.findings.images,
        "diagrams": rendered.findings.diagrams,
        "top_headings": rendered.findings.top_headings,
        "raw_html": list(rendered.raw_html),
    }
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache_file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, cache_file)
    except OSError:
        logger.warning("Could not write the render cache in %s", cache_dir)
    return rendered


def check_link(path: Path, href: str, known_slugs: set[str]) -> ContentError | None:
    """Internal links must lead to a page that exists; only a few schemes are allowed."""
    parts = urlsplit(href)
    if parts.scheme in ("http", "https", "mailto", "tel") or href.startswith("#"):
        return None
    if parts.scheme or parts.netloc:
        return ContentError(path, f"link '{href}' uses a scheme that is not allowed")
    if not parts.path.startswith("/"):
        return ContentError(path, f"link '{href}' must be a path from the root, like /artikelen/…/")
    target = parts.path.removeprefix("/en")
    try:
        match = resolve(target)
    except Resolver404:
        return ContentError(path, f"link '{href}' leads to a page that does not exist")
    if match.view_name == "articles:detail" and match.kwargs["slug"] not in known_slugs:
        return ContentError(path, f"link '{href}' leads to an article that does not exist")
    return None


def parse_article(
    path: Path, *, cache_dir: Path | None = None, fingerprint: str = ""
) -> tuple[Article, list[str]]:
    """Load one file: the article and the links it makes (checked once all slugs are known).

    Raises InvalidArticle with every problem found in the file itself.
    """
    text = path.read_text(encoding="utf-8")
    meta, body = split_front_matter(path, text)
    errors = validate_front_matter(path, meta)
    slug = path.stem
    if not SLUG_PATTERN.match(slug):
        errors.append(ContentError(path, "file names may use only a-z, 0-9 and single hyphens"))
    rendered = render_cached(
        body, diagrams_dir=path.parent / "diagrams", cache_dir=cache_dir, fingerprint=fingerprint
    )
    for chunk in rendered.raw_html:
        errors.append(ContentError(path, f"raw HTML is not allowed: {chunk[:60]}"))
    if rendered.findings.top_headings:
        errors.append(
            ContentError(path, "use ## for headings: the title comes from the front matter")
        )
    for src, alt in rendered.findings.images:
        if not alt.strip():
            errors.append(ContentError(path, f"the image '{src}' has no alt text"))
    for name in rendered.findings.diagrams:
        try:
            load_diagram(path.parent / "diagrams" / f"{name}.svg")
        except ContentError as error:
            errors.append(ContentError(path, f"diagram '{name}': {error.message}"))
    if errors:
        raise InvalidArticle(errors)
    words = len(_WORD.findall(rendered.text))
    article = Article(
        slug=slug,
        title=meta["title"],
        summary=meta["summary"],
        key_points=tuple(meta["key_points"]),
        audiences=tuple(meta["audiences"]),
        topics=tuple(meta["topics"]),
        reviewed=meta["reviewed"],
        authors=tuple(meta["authors"]),
        sources=tuple(meta["sources"]),
        faith_based=bool(meta.get("faith_based", False)),
        order=int(meta.get("order") or 1000),
        draft=bool(meta.get("draft", False)),
        html=rendered.html,
        toc=rendered.toc,
        text=rendered.text,
        word_count=words,
    )
    return article, rendered.findings.links


class InvalidArticle(Exception):
    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class _Entry:
    signature: tuple[int, int]
    article: Article | None
    errors: list[ContentError]
    links: list[str]


class Library:
    """All articles of one content folder, kept in memory and refreshed when files change."""

    def __init__(self, directory: Path, *, cache_dir: Path | None = None) -> None:
        self.directory = Path(directory)
        self.cache_dir = cache_dir
        self._fingerprint = ""
        self._entries: dict[Path, _Entry] = {}
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._diagrams_signature: tuple[tuple[str, int], ...] = ()
        self.version = 0
        self._views: dict[str, Any] = {}

    # -- loading ---------------------------------------------------------------------------

    def refresh(self, *, force: bool = False, min_interval: float = 1.0) -> None:
        """Re-read changed files; at most once per `min_interval` seconds unless forced."""
        now = time.monotonic()
        if not force and now - self._checked_at < min_interval:
            return
        with self._lock:
            if not force and now - self._checked_at < min_interval:
                return
            self._checked_at = now
            self._scan()

    def _scan(self) -> None:
        files: dict[Path, tuple[int, int]] = {}
        if self.directory.is_dir():
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    if (
                        entry.name.endswith(".md")
                        and entry.name not in NOT_ARTICLES
                        and entry.is_file()
                    ):
                        stat = entry.stat()
                        files[Path(entry.path)] = (stat.st_mtime_ns, stat.st_size)
        diagrams_dir = self.directory / "diagrams"
        diagrams = tuple(
            sorted((p.name, p.stat().st_mtime_ns) for p in diagrams_dir.glob("*.svg"))
            if diagrams_dir.is_dir()
            else ()
        )
        diagrams_changed = diagrams != self._diagrams_signature
        self._diagrams_signature = diagrams
        if diagrams_changed:
            digest = hashlib.sha256()
            for name, _mtime in diagrams:
                digest.update(name.encode() + b"\0" + (diagrams_dir / name).read_bytes())
            self._fingerprint = digest.hexdigest()
        changed = diagrams_changed or files.keys() != self._entries.keys()
        for path in list(self._entries):
            if path not in files:
                del self._entries[path]
        for path, signature in files.items():
            known = self._entries.get(path)
            if known is None or known.signature != signature or diagrams_changed:
                self._entries[path] = self._load(path, signature)
                changed = True
        if changed:
            self.version += 1
            self._views = {}

    def _load(self, path: Path, signature: tuple[int, int]) -> _Entry:
        try:
            article, links = parse_article(
                path, cache_dir=self.cache_dir, fingerprint=self._fingerprint
            )
        except ContentError as error:
            return _Entry(signature, None, [error], [])
        except InvalidArticle as invalid:
            return _Entry(signature, None, invalid.errors, [])
        except (OSError, UnicodeDecodeError) as error:
            return _Entry(
                signature, None, [ContentError(path, f"cannot read the file: {error}")], []
            )
        return _Entry(signature, article, [], links)

    # -- validation ------------------------------------------------------------------------

    def errors(self) -> list[ContentError]:
        """Every problem in the folder, including links and duplicate titles."""
        self.refresh(force=True)
        problems: list[ContentError] = []
        valid = [e.article for e in self._entries.values() if e.article is not None]
        published_slugs = {a.slug for a in valid if not a.draft}
        all_slugs = {a.slug for a in valid}
        titles: dict[str, Path] = {}
        for path, entry in sorted(self._entries.items()):
            problems.extend(entry.errors)
            # A published article may not link to a draft: readers would meet a 404.
            slugs = (
                all_slugs if entry.article is not None and entry.article.draft else published_slugs
            )
            for href in entry.links:
                if (error := check_link(path, href, slugs)) is not None:
                    problems.append(error)
            if entry.article is not None:
                key = entry.article.title.casefold()
                if key in titles:
                    problems.append(
                        ContentError(path, f"the title is the same as in {titles[key].name}")
                    )
                titles.setdefault(key, path)
        slug_owners: dict[str, Path] = {}
        for path in sorted(self._entries):
            slug = path.stem.lower()
            if slug in slug_owners:
                problems.append(
                    ContentError(path, f"duplicate slug '{slug}' (also {slug_owners[slug].name})")
                )
            slug_owners.setdefault(slug, path)
        return problems

    def valid_articles(self) -> list[tuple[Path, Article, list[str]]]:
        """Every article that passed validation, drafts too, with the links it makes."""
        self.refresh(force=True)
        return [
            (path, entry.article, entry.links)
            for path, entry in sorted(self._entries.items())
            if entry.article is not None
        ]

    # -- reading ---------------------------------------------------------------------------

    def _view[T](self, name: str, build: Callable[[], T]) -> T:
        self.refresh()
        views = self._views
        if name not in views:
            views[name] = build()
        view: T = views[name]  # each name is built by one function, of one type
        return view

    def _published(self) -> list[Article]:
        articles = [
            e.article
            for e in self._entries.values()
            if e.article is not None and not e.article.draft
        ]
        if invalid := [p.name for p, e in self._entries.items() if e.article is None]:
            logger.error("Content files not published because of errors: %s", ", ".join(invalid))
        return sorted(articles, key=lambda a: (a.order, a.title))

    def all_published(self) -> list[Article]:
        return self._view("published", self._published)

    def published(self, *, audience: str | None = None, topic: str | None = None) -> list[Article]:
        key = f"published:{audience}:{topic}"
        return self._view(
            key,
            lambda: [
                a
                for a in self.all_published()
                if (audience is None or audience in a.audiences)
                and (topic is None or topic in a.topics)
            ],
        )

    def get(self, slug: str) -> Article | None:
        by_slug = self._view("by_slug", lambda: {a.slug: a for a in self.all_published()})
        return by_slug.get(slug)

    def related(self, article: Article, limit: int = 3) -> list[Article]:
        def build() -> list[Article]:
            scored = []
            for other in self.all_published():
                if other.slug == article.slug:
                    continue
                shared_topics = len(set(other.topics) & set(article.topics))
                shared_audiences = len(set(other.audiences) & set(article.audiences))
                if shared_topics or shared_audiences:
                    scored.append((-(2 * shared_topics + shared_audiences), other.order, other))
            return [other for *_, other in sorted(scored, key=lambda s: s[:2])[:limit]]

        return self._view(f"related:{article.slug}:{limit}", build)

    def topics_in_use(self) -> list[tuple[str, Any]]:
        def build() -> list[tuple[str, Any]]:
            used = {t for a in self.all_published() for t in a.topics}
            return [(slug, label) for slug, label in TOPICS.items() if slug in used]

        return self._view("topics_in_use", build)


_libraries: dict[Path, Library] = {}
_libraries_lock = threading.Lock()


def get_library(directory: Path | None = None) -> Library:
    """The process-wide library for a folder (default: settings.CONTENT_DIR)."""
    directory = Path(directory or settings.CONTENT_DIR)
    library = _libraries.get(directory)
    if library is None:
        with _libraries_lock:
            library = _libraries.setdefault(
                directory, Library(directory, cache_dir=settings.CONTENT_CACHE_DIR)
            )
    library.refresh()
    return library
