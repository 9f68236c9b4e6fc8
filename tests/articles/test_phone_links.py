"""Every number a button: phone numbers in articles are tel: links, made by the renderer (not by
hand), chat services are links, and check_content refuses a number that is not a tel: link."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from articles.rendering import link_phone_numbers, render_markdown
from tests.articles.test_content import check, write_article


@pytest.mark.parametrize(
    ("written", "href"),
    [
        ("**0800-2000**", "tel:08002000"),
        ("**113**", "tel:113"),
        ("bel 112 meteen", "tel:112"),
        ("**088-0767 000**", "tel:0880767000"),
        ("**0800-266 64 36**", "tel:08002666436"),
        ("**0900-1450**", "tel:09001450"),
    ],
)
def test_the_renderer_makes_every_phone_number_a_tel_link(written: str, href: str) -> None:
    html = render_markdown(f"Bel {written}, gratis.\n").html
    assert f'<a href="{href}">' in html


def test_a_chat_service_written_as_an_address_is_a_link() -> None:
    html = render_markdown("Chatten kan op 113.nl, ook 's nachts.\n").html
    assert 'href="https://113.nl/"' in html and "tel:113" not in html


def test_years_amounts_names_and_code_are_left_alone() -> None:
    html = render_markdown(
        "In 2026 belden 1.200 mensen. Lees over "
        "[113 Zelfmoordpreventie](/steun/113-zelfmoordpreventie/). Om 09.00 uur. `0800-2000`\n"
    ).html
    assert "tel:" not in html


def test_summary_and_key_points_link_their_numbers_too() -> None:
    assert link_phone_numbers("Veilig Thuis (0800-2000) <b>") == (
        'Veilig Thuis (<a href="tel:08002000">0800-2000</a>) &lt;b&gt;'
    )


def test_check_content_refuses_a_number_that_is_not_a_tel_link(tmp_path: Path) -> None:
    write_article(tmp_path, "nummer", body="Bel [0800-2000](/steun/) of `0900-1450`.\n")
    report = check(tmp_path)
    assert "'0800-2000' must be a tel: link" in report
    assert "'0900-1450' must be a tel: link" in report


def test_check_content_accepts_numbers_the_renderer_linked(tmp_path: Path) -> None:
    write_article(tmp_path, "nummer", body="Bel **0800-2000** of 113, of chat via 113.nl.\n")
    out = StringIO()
    call_command("check_content", dir=tmp_path, stdout=out)
    assert "all valid" in out.getvalue()


@pytest.mark.django_db
def test_the_night_article_has_a_button_for_every_number(client: Client, real_content) -> None:
    html = client.get("/artikelen/net-ontdekt-vannacht/").content.decode()
    for href in ("tel:113", "tel:08000113", "https://113.nl/"):
        assert f'href="{href}"' in html
