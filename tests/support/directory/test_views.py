"""The directory pages and the sign-up form."""

import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client

from support import links
from support.fields import email_digest
from support.models import Cost, Signup, SignupStatus
from tests.support_fixtures import proved_signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(make_group, make_helper, make_forum, make_organisation) -> None:
    """A small directory where every filter value selects a different set."""
    make_group("online-groep", for_betrayed_partner=True, online=True)
    make_group(
        "utrecht-groep", online=False, provinces=",utrecht,", faith_based=True, cost=Cost.OWN
    )
    make_helper(
        "therapeut-zeeland",
        for_couples=True,
        provinces=",zeeland,",
        cost=Cost.INSURED,
        online=False,
    )
    make_forum("forum-partners", for_partner_who_betrayed=True, online=True)
    make_organisation(
        "hulplijn", kind="hulplijn", for_betrayed_partner=True, online=True, for_men=True
    )
    make_organisation("oud", active=False, for_betrayed_partner=True, online=True)


def shown(client: Client, query: str = "") -> set[str]:
    html = client.get("/steun/" + query).content.decode()
    slugs = {
        "online-groep",
        "utrecht-groep",
        "therapeut-zeeland",
        "forum-partners",
        "hulplijn",
        "oud",
        # organisers created by the group factory
        "organisator-online-groep",
        "organisator-utrecht-groep",
    }
    return {slug for slug in slugs if f'href="/steun/{slug}/"' in html}


ALL_ACTIVE = {
    "online-groep",
    "utrecht-groep",
    "therapeut-zeeland",
    "forum-partners",
    "hulplijn",
    "organisator-online-groep",
    "organisator-utrecht-groep",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL_ACTIVE),
        ("?soort=groep", {"online-groep", "utrecht-groep"}),
        ("?soort=hulplijn", {"hulplijn"}),
        ("?voor=bedrogen-partner", {"online-groep", "utrecht-groep", "hulplijn"}),
        ("?voor=stel", {"therapeut-zeeland"}),
        ("?voor=partner-die-bedroog", {"forum-partners"}),
        ("?waar=online", {"online-groep", "forum-partners", "hulplijn"}),
        ("?waar=zeeland", {"therapeut-zeeland"}),
        ("?geloof=ja", {"utrecht-groep"}),
        ("?kosten=vergoed", {"therapeut-zeeland"}),
        ("?kosten=eigen", {"utrecht-groep"}),
        ("?soort=groep&waar=online", {"online-groep"}),
        ("?soort=groep&geloof=nee", {"online-groep"}),
        ("?voor=bedrogen-partner&waar=utrecht&geloof=ja", {"utrecht-groep"}),
        ("?voor=stel&waar=online", set()),
        ("?mannen=on", {"hulplijn"}),
        ("?mannen=on&geloof=ja", set()),
        ("?soort=onzin&waar=mars", ALL_ACTIVE),
    ],
)
def test_filters_combine(client: Client, directory, query: str, expected: set[str]) -> None:
    assert shown(client, query) == expected


def test_empty_result_suggests_widening(client: Client, directory) -> None:
    html = client.get("/steun/?voor=stel&waar=online").content.decode()
    assert "0 resultaten" in html
    assert "Maak je zoekopdracht ruimer" in html


def test_a_long_directory_comes_in_pages_that_keep_the_filters(
    client: Client, make_organisation, make_helper
) -> None:
    """45 organisations for betrayed partners and a helper: 40 cards a page, grouped by kind
    with each kind's full count, and the next page keeps the filter."""
    for number in range(45):
        make_organisation(slug=f"org-{number:02d}", for_betrayed_partner=True)
    make_helper(slug="hulp-een", for_betrayed_partner=True)
    make_organisation(slug="alleen-stellen", for_couples=True)

    first = client.get("/steun/?voor=bedrogen-partner").content.decode()
    assert "46 resultaten" in first
    assert first.count('<li>\n      <h3><a href="/steun/') == 40
    assert "Pagina 1 van 2" in first
    assert "(45)" in first, "the heading counts only this page"
    assert 'href="?voor=bedrogen-partner&amp;pagina=2"' in first

    second = client.get("/steun/?voor=bedrogen-partner&pagina=2").content.decode()
    assert second.count('<li>\n      <h3><a href="/steun/') == 6
    cards = re.compile(r'<h3><a href="/steun/([\w-]+)/">')
    on_first, on_second = set(cards.findall(first)), set(cards.findall(second))
    assert not on_first & on_second
    assert on_first | on_second == {f"org-{n:02d}" for n in range(45)} | {"hulp-een"}
    # A page that does not exist is the last one, never an error.
    assert client.get("/steun/?voor=bedrogen-partner&pagina=99").content.decode() == second


def test_overview_uses_a_fixed_number_of_queries(
    client: Client, make_group, make_helper, django_assert_max_num_queries
) -> None:
    make_group("een")
    with django_assert_max_num_queries(4) as few:
        client.get("/steun/?voor=bedrogen-partner")
    for number in range(30):
        make_group(f"groep-{number}")
        make_helper(f"helper-{number}", provinces=",utrecht,")
    with django_assert_max_num_queries(4) as many:
        response = client.get("/steun/?voor=bedrogen-partner")
    assert response.status_code == HTTPStatus.OK
    assert len(many.captured_queries) == len(few.captured_queries)


def test_group_page_shows_meetings_seats_and_sign_up(
    client: Client, make_group, django_assert_max_num_queries
) -> None:
    make_group("groep", capacity=8, is_example=True)
    with django_assert_max_num_queries(5):
        html = client.get("/steun/groep/").content.decode()
    assert "Nog 8 plaatsen vrij" in html
    assert 'href="/steun/groep/aanmelden/">Aanmelden</a>' in html
    assert "Volgende bijeenkomsten" in html
    assert "Dit is een verzonnen voorbeeld." in html
    assert "Gecontroleerd op" not in html
    assert "Voorbeeld" in html


def test_full_and_closed_groups_say_so(client: Client, make_group) -> None:
    full = make_group("vol", capacity=1)
    proved_signup(group=full, name="A", email="a@example.org")
    assert ">Wachtlijst</a>" in client.get("/steun/vol/").content.decode()
    make_group("dicht", is_open=False)
    html = client.get("/steun/dicht/").content.decode()
    assert "Gesloten" in html
    assert "/steun/dicht/aanmelden/" not in html


def test_external_links_leave_without_referrer(client: Client, make_organisation) -> None:
    make_organisation("elders", website="https://example.org/")
    html = client.get("/steun/elders/").content.decode()
    assert 'href="https://example.org/" rel="external noopener noreferrer"' in html
    assert "je verlaat deze site" in html


def test_inactive_and_unknown_entries_are_not_found(client: Client, make_organisation) -> None:
    make_organisation("oud", active=False)
    assert client.get("/steun/oud/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/steun/nergens/").status_code == HTTPStatus.NOT_FOUND


VALID = {"name": "Saskia", "email": "saskia@example.org", "consent": "on"}


def _link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/steun/aanmelding/\S+/)", message.body).group(1)


def _prove(client: Client, manage_url: str) -> str:
    """Open the e-mailed link and confirm: the page that follows."""
    assert "Ja, ik meld me aan" in client.get(manage_url).content.decode()
    response = client.post(manage_url, {"bevestigen": "1"})
    assert response.status_code == HTTPStatus.FOUND
    return client.get(manage_url).content.decode()


def test_sign_up_and_cancel_through_the_private_link(
    client: Client, make_group, work_queue
) -> None:
    make_group("groep", capacity=1)
    response = client.post("/steun/groep/aanmelden/", VALID)
    work_queue()
    # The page says where the link went; the link itself is only in her mailbox.
    assert response.status_code == HTTPStatus.OK
    assert "Kijk in je e-mail" in response.content.decode()
    assert "/steun/aanmelding/" not in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [VALID["email"]]
    manage_url = _link_in(message)
    page = client.get(manage_url)
    assert "no-store" in page["Cache-Control"]
    assert "Je hebt een plek in Groep" in _prove(client, manage_url)

    client.post("/steun/groep/aanmelden/", {**VALID, "email": "tweede@example.org"})
    work_queue()
    assert "Je staat op de wachtlijst van Groep" in _prove(client, _link_in(mail.outbox[-1]))
    mail.outbox.clear()
    cancelled = client.post(manage_url)
    work_queue()
    assert "Je aanmelding is geannuleerd" in cancelled.content.decode()
    assert [m.to for m in mail.outbox] == [["tweede@example.org"]]
    # A used link is gone; so is a tampered one.
    assert client.get(manage_url).status_code == HTTPStatus.NOT_FOUND
    assert client.post(manage_url).status_code == HTTPStatus.NOT_FOUND
    assert client.get(manage_url[:-3] + "xx/").status_code == HTTPStatus.NOT_FOUND


def test_someone_typing_an_address_that_has_a_place_gets_no_link(
    client: Client, make_group, work_queue
) -> None:
    """Defect 1: the answer is the same as for a new address; the existing place's link goes
    by e-mail to that address only, and whoever typed it cannot see or cancel the place."""
    make_group("groep")
    first = client.post("/steun/groep/aanmelden/", VALID)
    work_queue()
    _prove(client, _link_in(mail.outbox[0]))
    stranger = Client()
    again = stranger.post(
        "/steun/groep/aanmelden/", {**VALID, "name": "Kwaadwillige", "email": "SASKIA@example.org"}
    )
    work_queue()
    assert again.status_code == first.status_code == HTTPStatus.OK
    assert "Location" not in again
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(again.content.decode()) == strip(first.content.decode())
    assert "/steun/aanmelding/" not in again.content.decode()
    assert Signup.objects.count() == 1
    # The owner gets her own link again, and nothing about the stranger's name.
    assert [m.to for m in mail.outbox] == [[VALID["email"]], [VALID["email"]]]
    first_link, second_link = (_link_in(m).split("/")[-2] for m in mail.outbox)
    assert links.signup_from_token(first_link) == links.signup_from_token(second_link)
    assert "Kwaadwillige" not in mail.outbox[1].body
    # Typed again the same day: the reminder goes at most once a day.
    for _ in range(3):
        stranger.post("/steun/groep/aanmelden/", {**VALID, "email": "saskia@example.org"})
    work_queue()
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**VALID, "name": "x" * 81}, "hoogstens 80 tekens"),
        ({**VALID, "email": "geen-adres"}, "Vul een e-mailadres in zoals naam@voorbeeld.nl."),
        ({**VALID, "email": "a@" + "b" * 260 + ".nl"}, "e-mailadres"),
        ({k: v for k, v in VALID.items() if k != "consent"}, "Zonder je toestemming"),
        ({**VALID, "website": "http://spam.example"}, "automatisch ingevuld"),
        ({**VALID, "phone": "bel me maar"}, "alleen cijfers"),
        ({**VALID, "message": "m" * 1001}, "hoogstens 1000 tekens"),
        ({}, "Vul je naam of een schuilnaam in."),
    ],
)
def test_bad_input_gets_a_dutch_message_and_keeps_what_was_typed(
    client: Client, make_group, data: dict, message: str
) -> None:
    make_group("groep")
    response = client.post("/steun/groep/aanmelden/", data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary" role="alert"' in html
    if data.get("name") == "Saskia":
        assert 'value="Saskia"' in html
    assert not Signup.objects.exists()


def test_sign_up_is_rate_limited_per_client(client: Client, make_group) -> None:
    make_group("groep")
    for number in range(10):
        client.post("/steun/groep/aanmelden/", {**VALID, "email": f"p{number}@example.org"})
    response = client.post("/steun/groep/aanmelden/", {**VALID, "email": "p11@example.org"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    html = response.content.decode()
    assert "Wacht tien minuten" in html
    assert 'value="p11@example.org"' in html
    assert Signup.objects.count() == 10


def test_closed_group_refuses_a_direct_post(client: Client, make_group) -> None:
    make_group("dicht", is_open=False)
    response = client.post("/steun/dicht/aanmelden/", VALID)
    assert response.status_code == HTTPStatus.CONFLICT
    assert "Deze groep is gesloten" in response.content.decode()
    assert not Signup.objects.exists()


def test_waiting_list_result_is_shown(client: Client, make_group, work_queue) -> None:
    group = make_group("groep", capacity=1)
    proved_signup(group=group, name="A", email="a@example.org")
    client.post("/steun/groep/aanmelden/", VALID)
    work_queue()
    html = _prove(client, _link_in(mail.outbox[-1]))
    assert "Je staat op de wachtlijst van Groep" in html
    signup = Signup.objects.get(email_digest=email_digest(VALID["email"]))
    assert signup.status == SignupStatus.WAITING


def test_directory_entries_appear_in_site_search(client: Client, make_group, make_helper):
    make_group("verdriet-groep", name="Lotgenotengroep Verdriet", summary="Samen praten.")
    make_helper("hulp-anna", name="Anna Helpt", description="Ervaring met verslavingen.")
    html = client.get("/zoeken/", {"q": "verdriet"}).content.decode()
    assert 'href="/steun/verdriet-groep/">Lotgenotengroep Verdriet</a>' in html
    assert '<span class="label">Lotgenotengroep</span>' in html
    html = client.get("/zoeken/", {"q": "verslaving"}).content.decode()
    assert "Anna Helpt" in html
