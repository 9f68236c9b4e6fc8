"""The README stays short, and every relative link in it and in docs/ leads somewhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes of a Markdown file's headings (a repeated one gets -1, -2, …)."""
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"#{1,6}\s+(.*)", line)
        if not heading:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in found:
            n += 1
            candidate = f"{slug}-{n}"
        found.add(candidate)
    return found


def dead_links(document: Path) -> list[str]:
    dead = []
    for target in LINK.findall(FENCE.sub("", document.read_text(encoding="utf-8"))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, …: not ours to check
            continue
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        if not linked.exists():
            dead.append(f"{target}: no file {linked.relative_to(ROOT)}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            dead.append(f"{target}: no heading #{anchor} in {linked.relative_to(ROOT)}")
    return dead


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(document):
    assert dead_links(document) == []


def test_a_dead_link_or_missing_heading_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.test_docs.ROOT", tmp_path)
    (tmp_path / "other.md").write_text("# Other\n\n## Keys and limits\n", encoding="utf-8")
    document = tmp_path / "README.md"
    document.write_text(
        "# Top\n\n[fine](other.md#keys-and-limits) [self](#top) [web](https://example.org)\n"
        "[gone](docs/gone.md) [no heading](other.md#backups)\n\n```\n[in code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert dead_links(document) == [
        "docs/gone.md: no file docs/gone.md",
        "other.md#backups: no heading #backups in other.md",
    ]


def test_the_readme_is_short_and_names_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    assert "make run" in readme and "make test" in readme
    for document in DOCUMENTS[1:]:
        assert f"(docs/{document.name})" in readme, f"README does not link {document.name}"
