"""Readability of an article's body for Dutch readers (Flesch-Douma).

Flesch-Douma is Flesch reading ease with Douma's Dutch constants:
206.835 - 0.93 * (words per sentence) - 77 * (syllables per word).
Syllables come from textstat's Dutch hyphenation dictionary (pyphen).

Run as a script to print a table for files: python tests/articles/readability.py content/*.md
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import textstat

textstat.set_lang("nl")

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_BLOCK_FENCE = re.compile(r"^///.*$", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]:?")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
_HEADING_MARKER = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_ATTR_LIST = re.compile(r"\{[:#.][^}]*\}")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'\u201d\u2019)]*\s+")
_WORD = re.compile(r"[0-9A-Za-zÀ-ÿ]+(?:[-'\u2019][0-9A-Za-zÀ-ÿ]+)*")


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int
    longest_sentence: int
    longest_sentence_text: str

    @property
    def average_sentence_length(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def flesch_douma(self) -> float:
        if not self.words:
            return 0.0
        return 206.835 - 0.93 * self.average_sentence_length - 77 * self.syllables / self.words


def plain_sentences(markdown_text: str) -> list[str]:
    """Split an article body into sentences, without Markdown syntax.

    Every heading, list item, table cell and block title counts as its own unit: they are read as
    separate statements even when they end without a full stop.
    """
    text = _FRONT_MATTER.sub("", markdown_text)
    # A block opener such as "/// doen | Zoek steun" carries a title that readers see.
    text = re.sub(r"^///\s*[\w-]+\s*\|\s*(.+)$", r"\n\n\1\n\n", text, flags=re.MULTILINE)
    text = _BLOCK_FENCE.sub("\n", text)
    text = _TABLE_RULE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _ATTR_LIST.sub("", text)
    text = _LIST_MARKER.sub("\n\n", text)
    text = _HEADING_MARKER.sub("\n\n", text)
    text = _EMPHASIS.sub("", text)
    units: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for cell in paragraph.split("|"):
            flat = " ".join(cell.split())
            if not flat:
                continue
            units.extend(s.strip() for s in _SENTENCE_END.split(flat) if _WORD.search(s))
    return units


def measure(markdown_text: str) -> Readability:
    sentences = plain_sentences(markdown_text)
    words_per_sentence = [_WORD.findall(sentence) for sentence in sentences]
    all_words = [word for words in words_per_sentence for word in words]
    syllables = sum(max(1, textstat.syllable_count(word)) for word in all_words)
    longest = max(range(len(sentences)), key=lambda i: len(words_per_sentence[i]), default=None)
    return Readability(
        words=len(all_words),
        sentences=len(sentences),
        syllables=syllables,
        longest_sentence=len(words_per_sentence[longest]) if longest is not None else 0,
        longest_sentence_text=sentences[longest] if longest is not None else "",
    )


def main(paths: list[str]) -> None:
    print(f"{'file':45} {'words':>6} {'avg':>5} {'max':>4} {'Douma':>6}")
    for name in paths:
        result = measure(Path(name).read_text(encoding="utf-8"))
        print(
            f"{Path(name).name:45} {result.words:6d} {result.average_sentence_length:5.1f} "
            f"{result.longest_sentence:4d} {result.flesch_douma:6.1f}"
        )
        if result.longest_sentence > 25:
            print(f"    longest: {result.longest_sentence_text}")


if __name__ == "__main__":
    main(sys.argv[1:])
