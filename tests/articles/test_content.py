"""The Markdown pipeline: validation (check_content), safe rendering and the in-process cache."""

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles import content, rendering

VALID_FRONT_MATTER = {
    "title": '"Een geldig artikel"',
    "summary": '"Een korte samenvatting."',
    "key_points": '["Een.", "Twee.", "Drie."]',
    "audiences": "[bedrogen-partner]",
    "topics": "[steun]",
    "reviewed": "2026-11-01",
    "authors": '["Redactie Houvast"]',
    "sources": '["Redactie Houvast"]',
}


def write_article(
    directory: Path, slug: str, body: str = "Gewone tekst.\n", **overrides: str | None
) -> Path:
    fields = {**VALID_FRONT_MATTER, **overrides}
    if "title" not in overrides:
        fields["title"] = f'"Artikel {slug}"'
    front = "\n".join(f"{key}: {value}" for key, value in fields.items() if value is not None)
    path = directory / f"{slug}.md"
    path.write_text(f"---\n{front}\n---\n{textwrap.dedent(body)}", encoding="utf-8")
    return path


def check(directory: Path) -> str:
    """Run check_content and return what it reported; it must fail."""
    from io import StringIO

    stderr = StringIO()
    with pytest.raises(CommandError):
        call_command("check_content", dir=directory, stderr=stderr, stdout=StringIO())
    return stderr.getvalue()


def test_check_content_passes_on_valid_files(tmp_path: Path) -> None:
    from io import StringIO

    write_article(tmp_path, "een")
    write_article(tmp_path, "twee", body="Lees [een](/artikelen/een/) en [steun](/steun/).\n")
    out = StringIO()
    call_command("check_content", dir=tmp_path, stdout=out)
    assert "2 article(s) published" in out.getvalue()


def test_schema_errors_are_reported(tmp_path: Path) -> None:
    write_article(tmp_path, "geen-titel", title=None)
    write_article(tmp_path, "onbekende-sleutel", colour="blauw")
    write_article(tmp_path, "te-weinig-punten", key_points='["Een."]')
    write_article(tmp_path, "geen-datum", reviewed='"gisteren"')
    report = check(tmp_path)
    assert "geen-titel.md: 'title' is required" in report
    assert "onbekende-sleutel.md: unknown front-matter key 'colour'" in report
    assert "te-weinig-punten.md: 'key_points' has 1 items; it needs 3 to 5" in report
    assert "geen-datum.md: 'reviewed' must be a date like 2026-11-23" in report


def test_broken_yaml_and_missing_front_matter(tmp_path: Path) -> None:
    (tmp_path / "kapot.md").write_text("---\ntitle: [niet gesloten\n---\nTekst\n")
    (tmp_path / "kaal.md").write_text("Alleen tekst.\n")
    report = check(tmp_path)
    assert "kapot.md: the front matter is not valid YAML" in report
    assert "kaal.md: the file must start with YAML front matter" in report


def test_unknown_audience_and_topic(tmp_path: Path) -> None:
    write_article(tmp_path, "doelgroep", audiences="[iedereen]")
    write_article(tmp_path, "onderwerp", topics="[koken]")
    report = check(tmp_path)
    assert "doelgroep.md: unknown audiences value 'iedereen'" in report
    assert "onderwerp.md: unknown topics value 'koken'" in report


def test_duplicate_slugs_and_titles(tmp_path: Path) -> None:
    write_article(tmp_path, "grenzen")
    write_article(tmp_path, "Grenzen")  # the same slug on a case-insensitive file system
    write_article(tmp_path, "een", title='"Dezelfde titel"')
    write_article(tmp_path, "twee", title='"Dezelfde titel"')
    report = check(tmp_path)
    assert "duplicate slug 'grenzen'" in report
    assert "twee.md: the title is the same as in een.md" in report


def test_raw_html_is_refused(tmp_path: Path) -> None:
    write_article(tmp_path, "html-blok", body="<div>Blok</div>\n")
    write_article(tmp_path, "html-inline", body="Tekst met <b>vet</b> erin.\n")
    report = check(tmp_path)
    assert "html-blok.md: raw HTML is not allowed: <div>Blok</div>" in report
    assert "html-inline.md: raw HTML is not allowed: <b>" in report


def test_links_to_missing_articles_and_pages(tmp_path: Path) -> None:
    write_article(tmp_path, "bestaat")
    write_article(
        tmp_path,
        "links",
        body="[a](/artikelen/bestaat-niet/) [b](/geen-pagina/) [c](bestaat.md)\n"
        "[d](/artikelen/bestaat/)\n",
    )
    report = check(tmp_path)
    assert "links.md: link '/artikelen/bestaat-niet/' leads to an article that does not exist" in (
        report
    )
    assert "links.md: link '/geen-pagina/' leads to a page that does not exist" in report
    assert "links.md: link 'bestaat.md' must be a path from the root" in report
    assert "/artikelen/bestaat/'" not in report


def test_published_articles_may_not_link_to_drafts(tmp_path: Path) -> None:
    write_article(tmp_path, "concept", draft="true")
    write_article(tmp_path, "openbaar", body="Zie [concept](/artikelen/concept/).\n")
    report = check(tmp_path)
    assert "openbaar.md: link '/artikelen/concept/' leads to an article that does not exist" in (
        report
    )


CHECKLIST_FIXTURES = Path(__file__).parent.parent / "fixtures" / "checklist"


def check_fixture(tmp_path: Path, name: str) -> str:
    """check_content on a folder holding one broken fixture from tests/fixtures/checklist/."""
    shutil.copy(CHECKLIST_FIXTURES / f"{name}.md", tmp_path)
    return check(tmp_path)


def test_words_that_pathologise_the_reader_fail(tmp_path: Path) -> None:
    report = check_fixture(tmp_path, "banned-words")
    assert "banned-words.md: the word 'medeafhankelijk' is not used here" in report
    assert "the word 'seksverslaafden' is not used here: write 'mensen met een seksverslaving'" in (
        report
    )
    assert "the word 'co-dependent' is not used here" in report


def test_joint_help_needs_the_safety_article_or_veilig_thuis(tmp_path: Path) -> None:
    report = check_fixture(tmp_path, "joint-help-without-safety")
    assert (
        "joint-help-without-safety.md: the article speaks of 'Relatietherapie' (joint help) but "
        "neither links /artikelen/onveilig-voelen-of-zijn/ nor names Veilig Thuis"
    ) in report


@pytest.mark.parametrize(
    "safety",
    [
        "Lees eerst [of je veilig bent](/artikelen/onveilig-voelen-of-zijn/).",
        "Bij geweld bel je [Veilig Thuis](/steun/veilig-thuis/).",
    ],
)
def test_joint_help_with_a_safety_line_passes(tmp_path: Path, safety: str) -> None:
    from io import StringIO

    write_article(tmp_path, "onveilig-voelen-of-zijn")
    write_article(tmp_path, "samen", body=f"Een relatiegesprek kan helpen. {safety}\n")
    out = StringIO()
    call_command("check_content", dir=tmp_path, stdout=out)
    assert "2 article(s) published" in out.getvalue()


def test_a_named_organisation_needs_its_directory_link(tmp_path: Path) -> None:
    report = check_fixture(tmp_path, "organisation-without-link")
    assert (
        "organisation-without-link.md: 'De Luisterlijn' is named but its directory entry "
        "/steun/de-luisterlijn/ is not linked"
    ) in report


def test_a_faith_based_organisation_needs_its_label(tmp_path: Path) -> None:
    report = check_fixture(tmp_path, "faith-without-label")
    assert "faith-without-label.md: 'Kostbaar Vaatwerk' is faith-based: say so" in report
    assert "'Purity4Life' is faith-based" not in report  # labelled in its paragraph


def test_the_editors_checklist_is_not_an_article(tmp_path: Path) -> None:
    from io import StringIO

    write_article(tmp_path, "een")
    (tmp_path / "README.md").write_text("# Checklist voor de redactie\n", encoding="utf-8")
    out = StringIO()
    call_command("check_content", dir=tmp_path, stdout=out)
    assert "1 article(s) published" in out.getvalue()
    assert [a.slug for a in content.Library(tmp_path).all_published()] == ["een"]


def test_images_need_alt_text_and_diagrams_must_exist(tmp_path: Path) -> None:
    write_article(tmp_path, "plaatje", body="![](/static/img/favicon.svg)\n")
    write_article(tmp_path, "figuur", body="/// diagram | ontbreekt\nUitleg.\n///\n")
    report = check(tmp_path)
    assert "plaatje.md: the image '/static/img/favicon.svg' has no alt text" in report
    assert "figuur.md: diagram 'ontbreekt': this diagram does not exist" in report


def test_unsafe_diagram_is_refused(tmp_path: Path) -> None:
    (tmp_path / "diagrams").mkdir()
    (tmp_path / "diagrams" / "eng.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t">'
        '<title id="t">T</title><script>alert(1)</script></svg>'
    )
    write_article(tmp_path, "figuur", body="/// diagram | eng\nUitleg.\n///\n")
    assert "<script> is not allowed in a diagram" in check(tmp_path)


def test_title_heading_in_body_is_refused(tmp_path: Path) -> None:
    write_article(tmp_path, "kop", body="# Nog een titel\n\nTekst.\n")
    assert "kop.md: use ## for headings" in check(tmp_path)


def test_drafts_are_validated_but_not_published(tmp_path: Path) -> None:
    write_article(tmp_path, "concept", draft="true", topics="[koken]")
    assert "concept.md: unknown topics value 'koken'" in check(tmp_path)
    (tmp_path / "concept.md").unlink()
    write_article(tmp_path, "concept", draft="true")
    write_article(tmp_path, "klaar")
    library = content.Library(tmp_path)
    assert library.errors() == []
    assert [a.slug for a in library.all_published()] == ["klaar"]
    assert library.get("concept") is None


HOSTILE = """
<script>alert('x')</script>

<img src="x.png" onerror="alert(1)">

[klik](javascript:alert(1)) en [ook](JaVaScRiPt:alert(2))

<iframe src="https://evil.example/"></iframe>

<p style="color: red" onclick="steal()">tekst</p>

![plaatje](javascript:alert(3))

<a href="https://evil.example/" onmouseover="x()">link</a>

[data](data:text/html;base64,PHNjcmlwdD4=)
"""


def test_hostile_markdown_is_rendered_harmless() -> None:
    html = rendering.render_markdown(HOSTILE).html.lower()
    for forbidden in (
        "<script",
        "onerror",
        "onclick",
        "onmouseover",
        "javascript:",
        "<iframe",
        "style=",
        "data:text",
    ):
        assert forbidden not in html, forbidden
    assert "tekst" in html  # the words survive, the markup does not


def test_boxes_say_their_kind_in_words() -> None:
    html = rendering.render_markdown(
        "/// doen | Zoek steun\nPraat met iemand.\n///\n\n"
        "/// niet-doen\nNiet alleen blijven.\n///\n"
        "\n/// let-op\nPas op.\n///\n\n/// oefening | Ademen\n1. In.\n2. Uit.\n///\n"
    ).html
    assert '<div class="box box-doen">' in html
    assert "✓</span> Doen</span> Zoek steun</p>" in html
    assert '<div class="box box-niet-doen">' in html
    assert "Niet doen</span></p>" in html
    assert "Let op</span>" in html
    assert "Oefening</span> Ademen" in html
    assert "<ol>" in html


def test_external_links_are_marked_and_send_no_referrer() -> None:
    html = rendering.render_markdown("[Elders](https://example.org/) en [hier](/hulp-nu/).").html
    assert (
        '<a class="external" href="https://example.org/" rel="external noopener noreferrer">'
        in html
    )
    assert "(externe website)" in html
    assert '<a href="/hulp-nu/">hier</a>' in html


def test_table_of_contents_footnotes_and_tables() -> None:
    rendered = rendering.render_markdown(
        "## Eerste deel\n\nTekst[^1].\n\n### Een stukje\n\n## Tweede deel\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n[^1]: Voetnoot.\n"
    )
    assert [(e.id, e.title) for e in rendered.toc] == [
        ("eerste-deel", "Eerste deel"),
        ("tweede-deel", "Tweede deel"),
    ]
    assert rendered.toc[0].children[0].title == "Een stukje"
    assert '<h2 id="eerste-deel">' in rendered.html
    assert "<table>" in rendered.html
    assert 'class="footnote"' in rendered.html


def test_changed_file_is_rendered_again(tmp_path: Path) -> None:
    path = write_article(tmp_path, "wisselend", body="Eerste versie.\n")
    library = content.Library(tmp_path)
    library.refresh(force=True)
    first = library.get("wisselend")
    assert "Eerste versie" in first.html
    assert library.get("wisselend") is first  # cached, not rendered again

    write_article(tmp_path, "wisselend", body="Tweede versie, langer dan de eerste.\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    library.refresh(force=True)
    assert "Tweede versie" in library.get("wisselend").html


def test_new_and_removed_files_are_noticed(tmp_path: Path) -> None:
    library = content.Library(tmp_path)
    library.refresh(force=True)
    assert library.all_published() == []
    write_article(tmp_path, "nieuw")
    library.refresh(force=True)
    assert [a.slug for a in library.all_published()] == ["nieuw"]
    (tmp_path / "nieuw.md").unlink()
    library.refresh(force=True)
    assert library.all_published() == []


def test_an_invalid_file_is_left_out_of_the_site_not_a_crash(tmp_path: Path) -> None:
    write_article(tmp_path, "goed")
    write_article(tmp_path, "fout", audiences="[niemand]")
    library = content.Library(tmp_path)
    assert [a.slug for a in library.all_published()] == ["goed"]


def test_reading_time_and_related_articles(tmp_path: Path) -> None:
    write_article(tmp_path, "lang", body="woord " * 900, topics="[steun, grenzen]")
    write_article(tmp_path, "buur", topics="[grenzen]")
    write_article(tmp_path, "verre", audiences="[stel]", topics="[geloof]")
    write_article(tmp_path, "half", topics="[zelfzorg]")
    library = content.Library(tmp_path)
    lang = library.get("lang")
    assert lang.reading_minutes == 5  # 900 words at 180 a minute
    assert [a.slug for a in library.related(lang)] == ["buur", "half"]


def test_render_cache_is_used_and_never_stale(tmp_path: Path) -> None:
    content_dir, cache = tmp_path / "content", tmp_path / "cache"
    content_dir.mkdir()
    (content_dir / "diagrams").mkdir()
    diagram = content_dir / "diagrams" / "d.svg"
    diagram.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="t">'
        '<title id="t">Eerste</title></svg>'
    )
    write_article(content_dir, "a", body="Tekst.\n\n/// diagram | d\nUitleg.\n///\n")
    first = content.Library(content_dir, cache_dir=cache)
    assert "Eerste" in first.get("a").html
    assert len(list(cache.rglob("*.json"))) == 1

    warm = content.Library(content_dir, cache_dir=cache)
    assert warm.get("a").html == first.get("a").html

    diagram.write_text(diagram.read_text().replace("Eerste", "Tweede"))
    changed = content.Library(content_dir, cache_dir=cache)
    assert "Tweede" in changed.get("a").html
