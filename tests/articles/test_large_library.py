"""What keeps start-up short and memory flat with a thousand articles: renders and bodies read
from the render cache, and the articles' search index saved on disk and mapped by every process
(articles/store.py)."""

import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from articles import content, search
from tests.articles.test_content import write_article

QUERIES = ["grens", "partner vertrouwen", "Eén", "zeldzaam", "artikel 3", "niets-hiervan"]


def library_of(directory: Path, cache: Path) -> content.Library:
    library = content.Library(directory, cache_dir=cache)
    library.refresh(force=True)
    return library


def keep_time_and_size(path: Path, new_text: str) -> None:
    """Change a file without changing what a directory listing shows of it."""
    stat = path.stat()
    old = path.read_text(encoding="utf-8")
    assert len(new_text.encode()) == len(old.encode())
    path.write_text(new_text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_a_new_process_reads_every_file_even_one_changed_in_time_and_size(tmp_path: Path) -> None:
    """No snapshot of the library is trusted over the files: a process that starts reads each
    one (their renders come from the render cache)."""
    folder, cache = tmp_path / "content", tmp_path / "cache"
    folder.mkdir()
    path = write_article(folder, "een", title='"Eerste titel"')
    write_article(folder, "twee")
    assert library_of(folder, cache).get("een").title == "Eerste titel"
    keep_time_and_size(path, path.read_text().replace("Eerste titel", "Andere titel"))
    fresh = library_of(folder, cache)
    assert fresh.get("een").title == "Andere titel"
    assert {a.slug for a in fresh.all_published()} == {"een", "twee"}


def test_bodies_are_read_from_the_render_cache_when_shown(tmp_path: Path) -> None:
    folder, cache = tmp_path / "content", tmp_path / "cache"
    folder.mkdir()
    write_article(folder, "een", body="## Kop\n\nDe *tekst* van het artikel.\n")
    article = library_of(folder, cache).get("een")
    assert article.body.in_memory is None, "the body is held in memory"
    assert "<em>tekst</em>" in article.html
    assert "De tekst van het artikel." in article.text

    # The cache emptied under a running site: the page is still whole.
    for file in cache.glob("??/*.json"):
        file.unlink()
    content._read_body.cache_clear()
    assert "<em>tekst</em>" in article.html
    assert list(cache.glob("??/*.json")), "the rendering was not stored again"

    # Without a render cache, bodies stay in memory.
    assert content.Library(folder).get("een").body.in_memory is not None


def many_articles(folder: Path, count: int = 40) -> None:
    folder.mkdir()
    words = ["grenzen", "vertrouwen", "partner", "rust", "Één", "slaap", "praten", "zeldzaam"]
    for number in range(count):
        text = " ".join(words[(number + k) % len(words)] for k in range(number % 7 + 2))
        write_article(
            folder, f"artikel-{number}", body=f"Over {text}.\n\nMeer: {words[number % 8]}.\n"
        )


def results(index: search.SearchIndex, query: str) -> list[tuple[str, float, str]]:
    return [(r.document.url, r.score, r.snippet) for r in index.search(query)]


def test_the_saved_index_answers_as_the_one_built_in_memory(tmp_path: Path) -> None:
    folder, cache = tmp_path / "content", tmp_path / "cache"
    many_articles(folder)
    library = library_of(folder, cache)
    entry = search.Document("group", "Groep", "/steun/x/", "Groep over grenzen", "Samen.", "Rust")

    built = search.SearchIndex(
        [entry], segments=[search.MemorySegment(search.article_documents(library))]
    )
    first = search.article_segment(library)
    reopened = search.article_segment(library_of(folder, cache))
    assert isinstance(first, search.DiskSegment) and isinstance(reopened, search.DiskSegment)
    for segment in (first, reopened):
        saved = search.SearchIndex([entry], segments=[segment])
        for query in QUERIES:
            assert results(saved, query) == results(built, query), query
    assert results(built, "grenzen"), "the comparison compared nothing"


def test_an_unreadable_saved_index_is_built_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, cache = tmp_path / "content", tmp_path / "cache"
    many_articles(folder)
    library = library_of(folder, cache)
    expected = results(search.SearchIndex([], segments=[search.article_segment(library)]), "rust")
    for postings in (cache / "search").glob("*.postings"):
        postings.write_bytes(b"\0" * 12)
    segment = search.article_segment(library)
    assert results(search.SearchIndex([], segments=[segment]), "rust") == expected
    assert "unreadable" in caplog.text


def test_check_content_saves_the_index_the_site_opens(
    tmp_path: Path, settings: pytest.FixtureRequest
) -> None:
    folder = tmp_path / "content"
    many_articles(folder)
    settings.CONTENT_CACHE_DIR = tmp_path / "cache"
    call_command("check_content", dir=folder)
    saved = list((tmp_path / "cache" / "search").glob("*.terms"))
    assert len(saved) == 1
    written = saved[0].stat().st_mtime_ns
    library = library_of(folder, tmp_path / "cache")
    assert isinstance(search.article_segment(library), search.DiskSegment)
    assert saved[0].stat().st_mtime_ns == written, "the site built the index again"


@pytest.mark.django_db
def test_a_directory_change_keeps_the_articles_part_of_the_index(
    real_content: Path, make_organisation
) -> None:
    before = search.get_index()
    make_organisation(name="Een nieuwe organisatie over grenzen")
    after = search.get_index()
    assert after is not before, "the new entry is not searchable"
    assert after.segments[0] is before.segments[0]
    assert any(
        r.document.title == "Een nieuwe organisatie over grenzen" for r in after.search("grenzen")
    )


def test_an_edited_article_is_found_by_its_new_words_and_the_old_index_goes(
    tmp_path: Path,
) -> None:
    """The saved index is keyed on the files: an edit makes a new one at the library's next
    check, and only the newest index of a folder is kept."""
    folder, cache = tmp_path / "content", tmp_path / "cache"
    many_articles(folder, count=5)
    library = library_of(folder, cache)
    assert not search.SearchIndex([], segments=[search.article_segment(library)]).search("kiwi")
    path = write_article(folder, "artikel-2", body="Over een kiwi.\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    library.refresh(force=True)
    found = search.SearchIndex([], segments=[search.article_segment(library)]).search("kiwi")
    assert [r.document.url for r in found] == ["/artikelen/artikel-2/"]
    assert len(list((cache / "search").glob("*.terms"))) == 1


def test_a_running_process_sees_an_edited_file_within_seconds(tmp_path: Path) -> None:
    """The library checks the folder at most once a second (less often when a check is slow:
    once per 50 times its own duration), so an edit shows without a restart, soon after."""
    folder, cache = tmp_path / "content", tmp_path / "cache"
    folder.mkdir()
    path = write_article(folder, "een", body="Eerste versie.\n")
    library = library_of(folder, cache)
    library.refresh(force=True)  # a check that finds nothing: its duration sets the interval
    write_article(folder, "een", body="Tweede versie, langer.\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    edited = time.monotonic()
    assert "Eerste versie" in library.get("een").text  # checked less than a second ago
    while "Tweede versie" not in library.get("een").text:
        assert time.monotonic() - edited < 5, "the edit did not show within 5 s"
        time.sleep(0.05)
    assert time.monotonic() - edited >= 0.5  # not checked on every request
