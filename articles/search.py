"""Site search: an in-memory inverted index over documents of several kinds.

Articles come from the content library; other apps add their own kinds (directory entries) by
registering a provider. Words are folded (case, diacritics) and stemmed with the Dutch Snowball
stemmer, so "grens" finds "grenzen". Matches in a title weigh more than matches in the text.
"""

from __future__ import annotations

import html
import logging
import math
import re
import threading
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Protocol

import snowballstemmer
from django.utils.translation import gettext_lazy

from articles import content, store
from articles.synonyms import STOP_WORDS, SYNONYM_GROUPS

logger = logging.getLogger(__name__)

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12
TITLE_WEIGHT = 8.0
SUMMARY_WEIGHT = 3.0
TEXT_WEIGHT = 1.0
SNIPPET_WORDS = 30
RECENT_QUERIES = 256
ARTICLE_LABEL = gettext_lazy("Artikel")

# A word of two or more characters, or a single digit: `\w{2,}` takes a whole run of word
# characters, so `\d` only ever matches a run of one.
_INDEXED_WORD = re.compile(r"\w{2,}|\d")
_stemmer_lock = threading.Lock()
_stemmer = snowballstemmer.stemmer("dutch")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=10_000)
def _fold_run(run: str) -> str:
    decomposed = unicodedata.normalize("NFKD", run)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case without diacritics: 'Één' -> 'een'.

    ASCII is its own decomposition, so only runs of other characters are decomposed (a
    combining mark is never ASCII, whatever precedes it): most Dutch text is ASCII.
    """
    return _NON_ASCII.sub(lambda match: _fold_run(match.group()), text.casefold())


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    # Stemming until nothing changes makes singular and plural meet where one pass does not
    # ("grens" -> "gren", "grenzen" -> "grens" -> "gren").
    with _stemmer_lock:
        for _ in range(4):
            stemmed = _stemmer.stemWord(word)
            if stemmed == word:
                break
            word = stemmed
    return word


def folded_words(text: str) -> list[str]:
    """The words of a text, folded; single letters are left out, single digits kept."""
    return _INDEXED_WORD.findall(fold(text))


# Repetition of a term in a field counts a little, not linearly: 1 + log(count).
_REPETITION = [0.0, *(1 + math.log(count) for count in range(1, 64))]


def _repetition(count: int) -> float:
    return _REPETITION[count] if count < len(_REPETITION) else 1 + math.log(count)


def terms(text: str) -> list[str]:
    return [stem(word) for word in folded_words(text)]


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, tuple[str, ...]]:
    """Each stemmed word of a synonym group -> the stems of its whole group."""
    found: dict[str, tuple[str, ...]] = {}
    for group in SYNONYM_GROUPS:
        stems = tuple(dict.fromkeys(term for word in group for term in terms(word)))
        for term in stems:
            found[term] = tuple(dict.fromkeys([*found.get(term, ()), *stems]))
    return found


def query_concepts(query: str) -> list[tuple[str, ...]]:
    """What a query asks for: per word (stop words left out, unless there is nothing else; then
    nothing), the stems that count as a match for it, its own first."""
    words = list(dict.fromkeys(folded_words(query[:MAX_QUERY_LENGTH])))
    words = [word for word in words if word not in STOP_WORDS]
    synonyms = _synonyms()
    concepts = []
    for term in dict.fromkeys(stem(word) for word in words):
        concepts.append(tuple(dict.fromkeys([term, *synonyms.get(term, ())])))
    return concepts[:MAX_QUERY_TERMS]


@dataclass(frozen=True)
class Document:
    kind: str  # "article", "group", "helper", ...
    kind_label: object  # a lazy translation, rendered in the reader's language
    url: str
    title: str
    summary: str
    body: str | content.Body  # the plain text, or an article's body, read when needed

    @property
    def text(self) -> str:
        return self.body if isinstance(self.body, str) else self.body.text


@dataclass
class Result:
    document: Document
    score: float
    forms: re.Pattern[str]  # the folded word forms that matched the query

    @cached_property
    def snippet(self) -> str:
        """HTML: escaped text with <mark> around matching words; made only when shown."""
        return snippet(self.document, self.forms)


class Segment(Protocol):
    """Documents and, per term, the numbers of the documents that contain it (ascending) with
    its weight in each, and every folded word form seen for it (to mark matches)."""

    @property
    def documents(self) -> Sequence[Document]: ...

    def posting(self, term: str) -> tuple[Sequence[int], Sequence[float]] | None: ...

    def forms(self, term: str) -> Iterable[str]: ...


class MemorySegment:
    def __init__(self, documents: Iterable[Document]) -> None:
        self.documents = list(documents)
        # Two flat arrays a term: 12 bytes a posting instead of a dict entry and a float object.
        self.postings: dict[str, tuple[array[int], array[float]]] = {}
        self.word_forms: dict[str, set[str]] = defaultdict(set)
        # The loops that run in Python go over the distinct terms of a document; stemming and
        # counting its words run in C.
        stems: dict[str, str] = {}
        for number, document in enumerate(self.documents):
            weights: defaultdict[str, float] = defaultdict(float)
            for weight, field in (
                (TITLE_WEIGHT, document.title),
                (SUMMARY_WEIGHT, document.summary),
                (TEXT_WEIGHT, document.text),
            ):
                words = folded_words(field)
                for word in set(words).difference(stems):
                    stems[word] = stem(word)
                for term, count in Counter(map(stems.__getitem__, words)).items():
                    # Repetition helps a little, not linearly.
                    weights[term] += weight * _repetition(count)
            for term, weight in weights.items():
                if (posting := self.postings.get(term)) is None:
                    posting = self.postings[term] = (array("I"), array("d"))
                posting[0].append(number)
                posting[1].append(weight)
        for word, term in stems.items():
            self.word_forms[term].add(word)

    def posting(self, term: str) -> tuple[Sequence[int], Sequence[float]] | None:
        return self.postings.get(term)

    def forms(self, term: str) -> Iterable[str]:
        return self.word_forms.get(term, ())

    def save(self, cache_dir: Path, key: str) -> bool:
        """Save the segment for DiskSegment (articles/store.py): the postings as one array of
        document numbers and one of weights, and beside them the terms, forms and documents."""
        numbers: array[int] = array("I")
        weights: array[float] = array("d")
        terms: dict[str, tuple[int, int]] = {}
        for term, (term_numbers, term_weights) in self.postings.items():
            terms[term] = (len(numbers), len(term_numbers))
            numbers.extend(term_numbers)
            weights.extend(term_weights)
        if len(numbers) % 2:
            numbers.append(0)  # the weights start 8-byte aligned
        meta = {
            "postings": len(weights),
            "terms": terms,
            "forms": {term: tuple(sorted(forms)) for term, forms in self.word_forms.items()},
            "documents": [(d.kind, d.url, d.title, d.summary, d.body) for d in self.documents],
        }
        return store.write_index(cache_dir, key, numbers.tobytes() + weights.tobytes(), meta)


class DiskSegment:
    """A saved segment, its postings mapped from the file rather than read: every app server
    on the machine shares one copy, and only the postings of searched terms are ever read."""

    def __init__(self, saved: tuple[dict[str, Any], memoryview | None], kind_label: object) -> None:
        meta, view = saved
        self._terms: dict[str, tuple[int, int]] = meta["terms"]
        self._forms: dict[str, tuple[str, ...]] = meta["forms"]
        self.documents = [
            Document(kind, kind_label, url, title, summary, body)
            for kind, url, title, summary, body in meta["documents"]
        ]
        total = meta["postings"]
        if view is not None:
            start = 8 * math.ceil(total / 2)
            if len(view) != start + 8 * total:
                raise ValueError("the postings file does not match its terms")
            self._numbers: Sequence[int] = view[: 4 * total].cast("I")
            self._weights: Sequence[float] = view[start:].cast("d")
        else:
            self._numbers, self._weights = array("I"), array("d")

    def posting(self, term: str) -> tuple[Sequence[int], Sequence[float]] | None:
        if (where := self._terms.get(term)) is None:
            return None
        first, count = where
        return self._numbers[first : first + count], self._weights[first : first + count]

    def forms(self, term: str) -> Iterable[str]:
        return self._forms.get(term, ())


class SearchIndex:
    """Documents given here, after those of any segments given (the articles, kept on disk)."""

    def __init__(self, documents: Iterable[Document], *, segments: Iterable[Segment] = ()) -> None:
        self.segments: list[Segment] = [*segments, MemorySegment(documents)]
        self.documents: list[Document] = []
        self._offsets: list[int] = []
        for segment in self.segments:
            self._offsets.append(len(self.documents))
            self.documents.extend(segment.documents)
        # Recent answers; the index itself is replaced when its documents change.
        self._recent: dict[tuple[str, int], list[Result]] = {}

    def search(self, query: str, limit: int = 50) -> list[Result]:
        key = (query, limit)
        if (cached := self._recent.get(key)) is not None:
            return cached
        results = self._search(query, limit)
        if len(self._recent) >= RECENT_QUERIES:
            self._recent.pop(next(iter(self._recent)))
        self._recent[key] = results
        return results

    def _search(self, query: str, limit: int) -> list[Result]:
        concepts = query_concepts(query)
        if not concepts:
            return []
        total = len(self.documents)
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, int] = defaultdict(int)
        forms: set[str] = set()
        for concept in concepts:
            hits: set[int] = set()  # a document matches a word once, by any of its synonyms
            for position, term in enumerate(concept):
                # A synonym weighs a little less than the word she typed.
                closeness = 1.0 if position == 0 else 0.8
                postings = []
                for offset, segment in zip(self._offsets, self.segments, strict=True):
                    if (posting := segment.posting(term)) is not None:
                        postings.append((offset, posting))
                    forms.update(segment.forms(term))
                if not (found := sum(len(numbers) for _, (numbers, _) in postings)):
                    continue
                rarity = math.log(1 + total / found) * closeness
                for offset, (numbers, weights) in postings:
                    for number, weight in zip(numbers, weights, strict=True):
                        scores[offset + number] += weight * rarity
                        hits.add(offset + number)
            for number in hits:
                matched[number] += 1
        # Documents that contain every word come first, then by score.
        ranked = sorted(scores, key=lambda n: (-matched[n], -scores[n], self.documents[n].title))
        ordered = sorted(forms, key=len)
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(f) for f in reversed(ordered)) + r")(?!\w)"
            if ordered
            else r"(?!)"
        )
        return [Result(self.documents[n], scores[n], pattern) for n in ranked[:limit]]


def snippet(document: Document, forms: re.Pattern[str]) -> str:
    """A short piece of the text around the first match, with matching words marked."""
    words = document.text.split()
    folded = fold(document.text)
    match = forms.search(folded)
    if match is None or not words:
        words = document.summary.split()
        first = 0
    else:
        # Folding keeps the spaces where they were, so counting words finds the same word.
        first = len(folded[: match.start()].split())
    start = max(0, first - SNIPPET_WORDS // 3)
    window = words[start : start + SNIPPET_WORDS]
    parts = []
    for word in window:
        escaped = html.escape(word)
        parts.append(f"<mark>{escaped}</mark>" if forms.search(fold(word)) else escaped)
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return prefix + " ".join(parts) + suffix


# Other apps register their documents with a cheap version key that changes when the documents
# do, so the combined index is rebuilt only then.
@dataclass(frozen=True)
class Provider:
    version: Callable[[], object]
    documents: Callable[[], list[Document]]


_providers: dict[str, Provider] = {}


def register_provider(
    name: str, *, version: Callable[[], object], documents: Callable[[], list[Document]]
) -> None:
    _providers[name] = Provider(version, documents)


def article_documents(library: content.Library) -> list[Document]:
    return [
        Document("article", ARTICLE_LABEL, a.get_absolute_url(), a.title, a.summary, a.body)
        for a in library.all_published()
    ]


def article_segment(library: content.Library) -> Segment:
    """The articles' part of the index. With a render cache it is saved there under the
    library's content key (by `check_content` on deploy, or by the first process that needs
    it) and mapped from disk by every process after that."""
    # The content key covers this module's code too: an index saved by other code is not used.
    if library.cache_dir is None or not library.content_key:
        return MemorySegment(article_documents(library))
    cache_dir, key = library.cache_dir, library.content_key
    if (saved := _saved_segment(cache_dir, key)) is not None:
        return saved
    segment = MemorySegment(article_documents(library))
    if segment.save(cache_dir, key) and (saved := _saved_segment(cache_dir, key)) is not None:
        return saved
    return segment


def _saved_segment(cache_dir: Path, key: str) -> DiskSegment | None:
    if (saved := store.read_index(cache_dir, key)) is None:
        return None
    try:
        return DiskSegment(saved, ARTICLE_LABEL)
    except (ValueError, KeyError, TypeError):
        logger.warning("The saved search index %s is unreadable; building it again", key)
        return None


_segment_cache: dict[tuple[int, int], Segment] = {}
_index_cache: dict[tuple[object, ...], SearchIndex] = {}
_index_lock = threading.Lock()


def get_index() -> SearchIndex:
    library = content.get_library()
    providers = sorted(_providers.items())
    articles_key = (id(library), library.version)
    key = (*articles_key, tuple((n, p.version()) for n, p in providers))
    index = _index_cache.get(key)
    if index is None:
        with _index_lock:
            index = _index_cache.get(key)
            if index is None:
                # A change in the directory makes a new index around the same articles.
                if (articles := _segment_cache.get(articles_key)) is None:
                    articles = article_segment(library)
                    _segment_cache.clear()
                    _segment_cache[articles_key] = articles
                documents: list[Document] = []
                for _name, provider in providers:
                    documents.extend(provider.documents())
                index = SearchIndex(documents, segments=[articles])
                _index_cache.clear()
                _index_cache[key] = index
    return index


def search(query: str, limit: int = 50) -> list[Result]:
    return get_index().search(query, limit)
