"""Guidance articles: load, validate, render, cache, index (front matter in frontmatter.py,
Markdown in rendering.py).

Articles are files `content/<slug>.md` with YAML front matter. Every file is validated against
the schema below and rendered once; the result stays in memory and is rendered again only when
the file changes on disk. Nothing here touches the database.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from articles import store
from articles.frontmatter import (
    AUDIENCES,
    TOPICS,
    Audience,
    ContentError,
    split_front_matter,
    validate_front_matter,
)
from articles.rendering import (
    WORD,
    TocEntry,
    load_diagram,
    read_cached,
    render_cached,
)

logger = logging.getLogger(__name__)

# Words per minute for a calm reader at B1 level.
READING_WORDS_PER_MINUTE = 180
# Files in the content folder that are not articles: the editor's checklist.
NOT_ARTICLES = frozenset({"README.md"})
# A check for changed files runs at most once per this many times its own duration: about
# every 5 seconds with 10,000 articles, every second (the least) with a few hundred.
CHECK_SHARE = 50
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# -- articles --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """An article's HTML and plain text: held in memory, or, where the render cache has them,
    read from its file when a page or a search snippet needs them. A process then holds the
    front matter of every article but the bodies of only the few it is showing."""

    cache_file: Path | None = None
    source: Path | None = None
    fingerprint: str = ""
    in_memory: tuple[str, str] | None = None  # (html, text)

    @property
    def html(self) -> str:
        return self._read()[0]

    @property
    def text(self) -> str:
        return self._read()[1]

    def _read(self) -> tuple[str, str]:
        return self.in_memory if self.in_memory is not None else _read_body(self)


@lru_cache(maxsize=64)
def _read_body(body: Body) -> tuple[str, str]:
    assert body.cache_file is not None and body.source is not None
    if (cached := read_cached(body.cache_file)) is None:
        # The cache was emptied under a running site: render the file again (which stores it
        # again). If the file has changed meanwhile, the library's next check replaces it.
        _meta, markdown = split_front_matter(body.source, body.source.read_text(encoding="utf-8"))
        cached = render_cached(
            markdown,
            diagrams_dir=body.source.parent / "diagrams",
            cache_dir=store.render_folder(body.cache_file),
            fingerprint=body.fingerprint,
        )
    return cached.html, cached.text


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
    body: Body
    toc: tuple[TocEntry, ...]
    word_count: int

    @property
    def html(self) -> str:
        return self.body.html

    @property
    def text(self) -> str:
        """Plain text of the body, for search and reading time."""
        return self.body.text

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.word_count / READING_WORDS_PER_MINUTE))

    @property
    def audience_list(self) -> list[Audience]:
        return [AUDIENCES[a] for a in self.audiences]

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", kwargs={"slug": self.slug})


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
    words = len(WORD.findall(rendered.text))
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
        body=Body(rendered.cache_file, path, fingerprint)
        if rendered.cache_file is not None
        else Body(in_memory=(rendered.html, rendered.text)),
        toc=rendered.toc,
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
    """All articles of one content folder, kept in memory and refreshed when files change.

    With a render cache, a file is parsed for its front matter but its Markdown is not rendered
    again (articles/store.py); its body stays on disk until a page or a snippet needs it.
    """

    def __init__(self, directory: Path, *, cache_dir: Path | None = None) -> None:
        self.directory = Path(directory)
        self.cache_dir = cache_dir
        self._fingerprint = ""
        # By file name: building a Path for every file on every check costs more than the
        # check itself in a folder of 10,000 articles.
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._check_seconds = 0.0  # what the last check took
        self._diagrams_signature: tuple[tuple[str, int], ...] = ()
        self.version = 0
        # Names what is loaded, across processes: the same files give the same key.
        self.content_key = ""
        self._views: dict[str, Any] = {}

    # -- loading ---------------------------------------------------------------------------

    def refresh(self, *, force: bool = False, min_interval: float = 1.0) -> None:
        """Re-read changed files; at most once per `min_interval` seconds unless forced, and
        in a large folder less often, so checking never takes more than 2% of the time."""
        now = time.monotonic()
        interval = max(min_interval, self._check_seconds * CHECK_SHARE)
        if not force and now - self._checked_at < interval:
            return
        with self._lock:
            if not force and now - self._checked_at < interval:
                return
            self._checked_at = now
            self._scan()
            self._check_seconds = time.monotonic() - now

    def _scan(self) -> None:
        files: dict[str, tuple[int, int]] = {}
        if self.directory.is_dir():
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    name = entry.name
                    if name.endswith(".md") and name not in NOT_ARTICLES and entry.is_file():
                        stat = entry.stat()
                        files[name] = (stat.st_mtime_ns, stat.st_size)
        diagrams_changed = self._check_diagrams()
        changed = diagrams_changed or files.keys() != self._entries.keys()
        for name in list(self._entries):
            if name not in files:
                del self._entries[name]
        for name, signature in files.items():
            known = self._entries.get(name)
            if known is None or known.signature != signature or diagrams_changed:
                self._entries[name] = self._load(self.directory / name, signature)
                changed = True
        if changed:
            self.version += 1
            self._views = {}
            # Made only when something changed: a check that finds nothing new hashes nothing.
            self.content_key = (
                store.content_key(self.directory, fingerprint=self._fingerprint, files=files)
                if self.cache_dir is not None
                else f"memory-{id(self)}-{self.version}"
            )

    def _check_diagrams(self) -> bool:
        """Whether the diagrams changed; if so, their fingerprint is made again."""
        diagrams_dir = self.directory / "diagrams"
        diagrams = tuple(
            sorted((p.name, p.stat().st_mtime_ns) for p in diagrams_dir.glob("*.svg"))
            if diagrams_dir.is_dir()
            else ()
        )
        if diagrams == self._diagrams_signature:
            return False
        self._diagrams_signature = diagrams
        digest = hashlib.sha256()
        for name, _mtime in diagrams:
            digest.update(name.encode() + b"\0" + (diagrams_dir / name).read_bytes())
        self._fingerprint = digest.hexdigest()
        return True

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
        for name, entry in sorted(self._entries.items()):
            path = self.directory / name
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
        for path in sorted(self.directory / name for name in self._entries):
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
            (self.directory / name, entry.article, entry.links)
            for name, entry in sorted(self._entries.items())
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
        if invalid := [name for name, e in self._entries.items() if e.article is None]:
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
