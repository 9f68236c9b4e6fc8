"""The editor's safety checklist, as far as a machine can check it (see content/README.md).

These rules read an already validated article: its front matter texts, the plain text of each
block of its body, and the links it makes. They know nothing about the database; the caller
passes the organisations an article may name (support.organisations.article_organisations()).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from articles.content import Article
from articles.frontmatter import ContentError
from articles.rendering import html_to_text, phone_numbers

# Rule 4: do not pathologise the reader.
BANNED_WORDS = re.compile(r"medeafhankelijk\w*|seksverslaafden|co-?dependen\w*", re.IGNORECASE)
BANNED_ADVICE = {
    "medeafhankelijk": "describe her reactions as normal reactions to a shock",
    "seksverslaafden": "write 'mensen met een seksverslaving'",
    "codependen": "describe her reactions as normal reactions to a shock",
}
# Rule 2: recommending couples work. "Gesprek samen" and its variants are joint conversations.
JOINT_HELP = re.compile(
    r"relatietherapie|relatiegesprek|samen in gesprek|gesprek samen|gesprek met jullie samen",
    re.IGNORECASE,
)
SAFETY_ARTICLE = "/artikelen/onveilig-voelen-of-zijn/"
SAFETY_LINE_NAME = "Veilig Thuis"
# Rule 8: the worldview label a faith-based organisation needs in the same block of text.
FAITH_LABEL = re.compile(r"christelijk|christen|vanuit (?:het|een|hun|zijn) geloof", re.IGNORECASE)
# Rule: every phone number is a button. The renderer links them; a number left in code, in a
# link to elsewhere or in the title is reported.
TEL_LINK = re.compile(r'<a href="tel:[0-9]+">.*?</a>', re.DOTALL)
# Block-level elements: the "same paragraph" for the faith label.
_BLOCK_END = re.compile(r"</(?:p|li|h2|h3|h4|td|th|dt|dd|figcaption|blockquote)>")


def _path_of(href: str) -> str:
    return urlsplit(href).path.removeprefix("/en")


def _blocks(article: Article) -> list[str]:
    """The article's texts a reader sees, one string per block (front matter items first)."""
    front = [article.title, article.summary, *article.key_points]
    body = [html_to_text(chunk) for chunk in _BLOCK_END.split(article.html)]
    return [text for text in (*front, *body) if text]


def _mentions(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None


def check_article(
    path: Path,
    article: Article,
    links: Iterable[str],
    organisations: Mapping[str, tuple[str, bool]],
) -> list[ContentError]:
    """Every checklist problem in one article; `organisations` maps a name to (slug, faith)."""
    errors: list[ContentError] = []
    blocks = _blocks(article)
    everything = "\n".join([*blocks, *article.sources])
    link_paths = {_path_of(href) for href in links}

    # The summary and key points are linked by the template (`phone_links`); the title is not.
    unlinked = html_to_text(TEL_LINK.sub(" ", article.html))
    for text in (article.title, unlinked):
        errors.extend(
            ContentError(path, f"the phone number '{number}' must be a tel: link (in the text)")
            for number in phone_numbers(text)
        )

    for match in sorted({m.group(0).lower() for m in BANNED_WORDS.finditer(everything)}):
        bare = match.replace("-", "")
        advice = next((hint for stem, hint in BANNED_ADVICE.items() if bare.startswith(stem)), "")
        errors.append(ContentError(path, f"the word '{match}' is not used here: {advice}"))

    reader_text = "\n".join(blocks)
    if (joint := JOINT_HELP.search(reader_text)) and not (
        SAFETY_ARTICLE in link_paths or SAFETY_LINE_NAME in reader_text
    ):
        errors.append(
            ContentError(
                path,
                f"the article speaks of '{joint.group(0)}' (joint help) but neither links "
                f"{SAFETY_ARTICLE} nor names {SAFETY_LINE_NAME}: say that couples work is not "
                "for relationships with violence, threats or coercive control",
            )
        )

    for name, (slug, faith_based) in sorted(organisations.items()):
        naming = [block for block in blocks if _mentions(name, block)]
        if not naming:
            continue
        entry_url = f"/steun/{slug}/"
        if entry_url not in link_paths:
            errors.append(
                ContentError(
                    path, f"'{name}' is named but its directory entry {entry_url} is not linked"
                )
            )
        if faith_based and any(not FAITH_LABEL.search(block) for block in naming):
            errors.append(
                ContentError(
                    path,
                    f"'{name}' is faith-based: say so (e.g. 'christelijk') in every paragraph "
                    "that names it",
                )
            )
    return errors
