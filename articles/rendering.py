"""Markdown to safe HTML: our own blocks, the allow-list sanitiser, SVG diagrams, the table of
contents, and what the render cache keeps (its files: articles/store.py). The only place that
speaks Markdown."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import markdown
import nh3
from defusedxml import ElementTree as SafeElementTree
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from pymdownx.blocks import BlocksExtension
from pymdownx.blocks.block import Block

from articles import store
from articles.frontmatter import ContentError

# Bump when rendering changes, so cached renders from older code are not used.
RENDER_PIPELINE_VERSION = "2"


# -- Markdown extensions of our own ----------------------------------------------------------------

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
    OPTIONS: dict[str, tuple[Any, Callable[[Any], Any]]] = {}  # as pymdownx's Block

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
    OPTIONS: dict[str, tuple[Any, Callable[[Any], Any]]] = {}  # as pymdownx's Block

    def on_create(self, parent: etree.Element) -> etree.Element:
        figure = etree.SubElement(parent, "figure", {"class": "diagram"})
        etree.SubElement(figure, "div", {"class": "diagram-image", "data-diagram": self.argument})
        etree.SubElement(figure, "figcaption")
        return figure

    def on_add(self, block: etree.Element) -> etree.Element:
        caption = block.find("figcaption")
        if caption is None:  # on_create always makes one
            raise ValueError("a diagram block without its figcaption")
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


# A Dutch phone number as articles write it: 112 and 113, or a number from 0 with 7 to 11
# digits in groups ("0800-2000", "088-0767 000", "0800-266 64 36"). Not part of a longer
# number, a word, a web address ("113.nl") or the name "113 Zelfmoordpreventie".
PHONE_NUMBER = re.compile(
    r"(?<![\w/.+-])(?:11[23]|0\d{2,3}(?:[- ]?\d{2,4}){1,3})"
    r"(?![\w-]|[.,]\d|\.[a-z]|\s+Zelfmoordpreventie)"
)
# A web address written without a link, e.g. a chat service ("chat via 113.nl").
BARE_SITE = re.compile(
    r"(?<![\w/.@-])(?:www\.)?[a-z0-9-]+\.(?:nl|com|org|eu|be)(?![\w.-]*\w)", re.IGNORECASE
)
_NO_LINKS_INSIDE = {"a", "code", "pre"}


def phone_numbers(text: str) -> list[str]:
    """The phone numbers in a text (for check_content: each must be a tel: link)."""
    return [m.group(0) for m in PHONE_NUMBER.finditer(text) if _is_phone(m.group(0))]


def _is_phone(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return digits in ("112", "113") or 7 <= len(digits) <= 11


def _link_for(match: re.Match[str]) -> etree.Element | None:
    found = match.group(0)
    if match.re is BARE_SITE:
        link = etree.Element("a", {"href": f"https://{found}/"})
    elif _is_phone(found):
        link = etree.Element("a", {"href": "tel:" + re.sub(r"\D", "", found)})
    else:
        return None
    link.text = found
    return link


def _linked(text: str) -> list[str | etree.Element]:
    """`text` as pieces: plain strings and <a> elements for its phone numbers and sites."""
    matches = sorted(
        [*PHONE_NUMBER.finditer(text), *BARE_SITE.finditer(text)], key=lambda m: m.start()
    )
    pieces: list[str | etree.Element] = []
    position = 0
    for match in matches:
        if match.start() < position or (link := _link_for(match)) is None:
            continue
        pieces += [text[position : match.start()], link]
        position = match.end()
    pieces.append(text[position:])
    return pieces


def link_phone_numbers(text: str) -> str:
    """Plain text (an article's summary or key points) as safe HTML with its phone numbers and
    web addresses as links, as the renderer makes them in the body."""
    parts = []
    for piece in _linked(text):
        if isinstance(piece, str):
            parts.append(escape(piece))
        else:
            external = piece.get("href", "").startswith("https:")
            extra = ' class="external" rel="external noopener noreferrer"' if external else ""
            parts.append(
                f'<a href="{escape(piece.get("href", ""))}"{extra}>{escape(piece.text or "")}</a>'
            )
    return "".join(parts)


class PhoneLinkTreeprocessor(Treeprocessor):
    """Every phone number becomes a tel: link and every bare web address (a chat service) a
    link, so that at night a reader taps instead of copying digits. Text already in a link or
    in code is left alone; check_content reports a number that is not a tel: link."""

    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        if element.tag in _NO_LINKS_INSIDE:
            return
        for child in list(element):
            self._walk(child)
            if child.tail:
                pieces = _linked(child.tail)
                child.tail = pieces[0] if isinstance(pieces[0], str) else ""
                self._insert(element, list(element).index(child) + 1, pieces[1:])
        if element.text:
            pieces = _linked(element.text)
            element.text = pieces[0] if isinstance(pieces[0], str) else ""
            self._insert(element, 0, pieces[1:])

    @staticmethod
    def _insert(parent: etree.Element, index: int, pieces: list[str | etree.Element]) -> None:
        # pieces alternate: link, text, link, text ...
        for number, piece in enumerate(pieces):
            if isinstance(piece, str):
                continue
            following = pieces[number + 1] if number + 1 < len(pieces) else ""
            piece.tail = following if isinstance(following, str) else ""
            parent.insert(index, piece)
            index += 1


class FindingsExtension(Extension):
    def __init__(self, findings: RenderFindings) -> None:
        super().__init__()
        self.findings = findings

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After inline parsing (priority < 20) so links and images exist; phone numbers become
        # links first, so the link walk sees them too.
        md.treeprocessors.register(PhoneLinkTreeprocessor(md), "houvast_phones", 6)
        md.treeprocessors.register(LinkTreeprocessor(md, self.findings), "houvast_links", 5)


# -- sanitising ------------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class TocEntry:
    id: str
    title: str
    children: tuple[TocEntry, ...] = ()


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[TocEntry, ...]
    text: str
    findings: RenderFindings
    raw_html: tuple[str, ...]
    # Where render_cached keeps it on disk, when it could write it there.
    cache_file: Path | None = None


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
WORD = re.compile(r"\w+")


def html_to_text(html: str) -> str:
    return _SPACE.sub(" ", unescape(_TAG.sub(" ", html))).strip()


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


def _toc_to_json(entries: tuple[TocEntry, ...]) -> list[list[Any]]:
    return [[e.id, e.title, _toc_to_json(e.children)] for e in entries]


def _toc_from_json(items: list[Any]) -> tuple[TocEntry, ...]:
    return tuple(TocEntry(i, t, _toc_from_json(c)) for i, t, c in items)


def render_cached(
    body: str, *, diagrams_dir: Path, cache_dir: Path | None, fingerprint: str = ""
) -> Rendered:
    """render_markdown, kept in the render cache (articles/store.py) by content hash so a
    restart need not render again.

    `check_content` (run on deploy) fills the cache; the key covers the text, the diagrams and
    the pipeline version, so a stale entry is never used.
    """
    if cache_dir is None:
        return render_markdown(body, diagrams_dir=diagrams_dir)
    key = hashlib.sha256(f"{RENDER_PIPELINE_VERSION}\0{fingerprint}\0{body}".encode()).hexdigest()
    cache_file = store.render_file(cache_dir, key)
    if (cached := read_cached(cache_file)) is not None:
        return cached
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
    if not store.write_render(cache_file, data):
        return rendered
    return dataclasses.replace(rendered, cache_file=cache_file)


def read_cached(cache_file: Path) -> Rendered | None:
    """A rendering render_cached kept, or None when it is missing or unreadable."""
    if (data := store.read_render(cache_file)) is None:
        return None
    try:
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
            cache_file=cache_file,
        )
    except (ValueError, KeyError, TypeError):
        return None
