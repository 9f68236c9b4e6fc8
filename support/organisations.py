"""The real organisations in the directory: facts only, each with its public source.

Used by the demo data (support/demo.py) and by check_content, which requires a directory link
wherever an article names one of them.
"""

import datetime
from typing import Required, TypedDict

from support.models import PROVINCES, Cost, Kind
from support.models.directory import PUBLIC_SOURCE
from support.victim_help import CHECKED_DEC, FOUND_DEC, VICTIM_HELP

ALL_PROVINCES = [slug for slug, _name in PROVINCES]


class RealOrganisation(TypedDict, total=False):
    """One organisation: Organisation fields, plus `known_as`, `provinces` (a list) and
    `checked`: the day a person checked the facts against the sources (Entry.last_checked)."""

    slug: Required[str]
    name: Required[str]
    kind: Required[Kind]
    summary: Required[str]
    sources: Required[str]
    checked: datetime.date
    known_as: tuple[str, ...]
    website: str
    phone: str
    online: bool
    answers_at_night: bool
    offers_chat: bool
    active: bool
    provinces: list[str]
    for_betrayed_partner: bool
    for_partner_who_betrayed: bool
    for_couples: bool
    for_men: bool
    faith_based: bool
    cost: Cost
    price: str


# Every fact below comes from a stored public source, named in the entry's `sources` with the
# date it was found; a field no source supports stays empty (cost: Cost.UNKNOWN). `checked` is
# the day a person last read the entry against those sources: record a new check here.
# check_content fails on an active entry without a public source or a checked date
# (directory_problems()). `known_as` lists the names articles use (article_organisations()).
FOUND = "gevonden 2026-11-30"
CHECKED = datetime.date(2026, 11, 30)

REAL_ORGANISATIONS: list[RealOrganisation] = [
    {
        "slug": "kostbaar-vaatwerk",
        "name": "Kostbaar Vaatwerk",
        "known_as": ("Kostbaar Vaatwerk",),
        "kind": Kind.GROUP_PROVIDER,
        "summary": "Christelijke organisatie voor vrouwen die een relatie hebben of hadden met "
        "een man die verslaafd is aan porno of seks, en voor echtparen die samen aan herstel "
        "willen werken.",
        "website": "https://kostbaarvaatwerk.nl/",
        "for_betrayed_partner": True,
        "for_couples": True,
        "faith_based": True,
        "cost": Cost.UNKNOWN,
        "checked": CHECKED_DEC,
        "sources": "https://strijdlust.net/relatie-gesprekken/ : Kostbaar Vaatwerk biedt hulp "
        "aan vrouwen die een relatie hebben (gehad) met een man die porno- of seksverslaafd is of "
        "was, en aan echtparen die samen willen werken aan herstel. https://kostbaarvaatwerk.nl/"
        "artikelen/mijn-partner-heeft-een-seksverslaving-wat-kan-ik-doen/ : eigen artikel voor "
        "partners, raadt steun aan bij lotgenoten en 'iemand die bij je in de kerk zit' "
        f"(christelijk: ook CONTENT-BRIEF) ({FOUND_DEC}).",
    },
    {
        "slug": "purity4life",
        "name": "Purity4Life",
        "known_as": ("Purity4Life",),
        "kind": Kind.ORGANISATION,
        "summary": "Christelijk netwerk van hulpverleners voor mannen en vrouwen die vastlopen in "
        "porno of een seksverslaving, met een overzicht van therapeuten en groepen.",
        "website": "https://purity4life.nl/",
        "for_partner_who_betrayed": True,
        "for_men": True,
        "faith_based": True,
        "cost": Cost.UNKNOWN,
        "checked": CHECKED,
        "sources": "https://purity4life.nl/onze-visie-en-missie/ : landelijk netwerk van "
        "christenen dat mannen en vrouwen helpt die in een porno- of seksverslaving zijn "
        f"vastgelopen ({FOUND}). Overzicht van therapeuten en groepen: CONTENT-BRIEF.",
    },
    {
        "slug": "go4purity",
        "name": "Go4purity",
        "known_as": ("Go4purity",),
        "kind": Kind.ORGANISATION,
        "summary": "Christelijk: online hulpmiddelen en cursussen voor wie loskomen wil van porno.",
        "for_partner_who_betrayed": True,
        "faith_based": True,
        "online": True,
        "cost": Cost.UNKNOWN,
        # No stored public page names Go4purity (searched 2026-12-07): hidden until one does.
        "active": False,
        "sources": "CONTENT-BRIEF (bron: Kostbaar Vaatwerk); nog geen openbare pagina "
        f"opgeslagen ({FOUND_DEC}).",
    },
    {
        "slug": "113-zelfmoordpreventie",
        "name": "113 Zelfmoordpreventie",
        "known_as": ("113 Zelfmoordpreventie",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Denk je aan zelfdoding? Bel gratis 113 of 0800-0113, of chat via 113.nl. "
        "Dag en nacht, en anoniem.",
        "phone": "113",
        "website": "https://www.113.nl/",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_couples": True,
        "for_men": True,
        "online": True,
        "answers_at_night": True,
        "offers_chat": True,
        "checked": CHECKED,
        "sources": "https://www.upday.com/nl/binnenland/nummer-113-nu-gratis-betere-hulp-bij-"
        "zelfdodingsgedachten/pj8neqt (3 oktober 2025): 113 is voortaan gratis, eerder alleen "
        "0800-0113; 'bel 24/7 gratis en anoniem 113 of chat op 113.nl' "
        f"({FOUND}).",
    },
    {
        "slug": "veilig-thuis",
        "name": "Veilig Thuis",
        "known_as": ("Veilig Thuis",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Advies en hulp bij huiselijk geweld en mishandeling, ook bij dwang en "
        "dreiging. Gratis, dag en nacht, anoniem als je dat wilt. Ook voor wie zelf geweld "
        "gebruikt.",
        "phone": "0800-2000",
        "website": "https://www.veiligthuis.nl/",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_couples": True,
        "for_men": True,
        "online": True,
        "answers_at_night": True,
        "offers_chat": True,
        "checked": CHECKED,
        "sources": "https://www.rijksoverheid.nl/onderwerpen/huiselijk-geweld/vraag-en-antwoord/"
        "wat-moet-ik-doen-bij-huiselijk-geweld : 0800-2000 gratis, alle dagen en uren, anoniem "
        "als u wilt, ook voor pleger of getuige. https://www.heumen.nl/huiselijk-geweld : Veilig "
        "Thuis is er voor iedereen; ook psychisch geweld (chanteren). "
        "https://www.bredavandaag.nl/nieuws/algemeen/331493/ : chat via www.veiligthuis.nl "
        f"({FOUND}).",
    },
    {
        "slug": "ggd-soa-test",
        "name": "GGD: gratis soa- en hiv-test",
        "known_as": ("GGD",),
        "kind": Kind.MEDICAL,
        "summary": "De GGD test gratis, en anoniem als je wilt, op soa en hiv. Dat is vooral "
        "voor jongeren tot 25 jaar en mensen met een hoog risico: bijvoorbeeld als een partner je "
        "waarschuwde voor een soa, of als je klachten hebt. Anderen gaan naar de huisarts.",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_men": True,
        "cost": Cost.FREE,
        "provinces": ALL_PROVINCES,
        "checked": CHECKED,
        "sources": "https://www.rivm.nl/nieuws/doelgroepen-aanvullende-seksuele-gezondheidszorg-"
        "bij-ggd : de GGD is een vangnet voor jongeren tot 25 jaar en mensen met een hoog "
        "soa-risico (o.a. door een partner gewaarschuwd, met klachten, mannen die seks hebben "
        "met mannen); gratis en desgewenst anoniem; twee derde van de soa-zorg doet de huisarts "
        f"({FOUND}).",
    },
    {
        "slug": "huisarts-en-huisartsenpost",
        "name": "Huisarts en huisartsenpost",
        "kind": Kind.MEDICAL,
        "summary": "Je huisarts helpt met een test, een verwijzing of een gesprek met de "
        "POH-GGZ. 's Avonds, 's nachts en in het weekend bel je de huisartsenpost, alleen als het "
        "niet kan wachten tot de volgende werkdag.",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_couples": True,
        "for_men": True,
        "provinces": ALL_PROVINCES,
        "cost": Cost.INSURED,
        "checked": CHECKED,
        "sources": "https://www.nhnieuws.nl/nieuws/249493/drukte-bij-west-friese-huisartsenpost-"
        "bel-alleen-voor-spoed : de huisartsenpost is alleen voor spoed in avond, nacht en "
        "weekend; 'pas als het niet tot morgen kan wachten'. https://huisartsen-dehaven.nl/"
        "praktijkinfo/behandelinformatie/ : huisartsenzorg (ook praktijkondersteuners) valt niet "
        "onder het eigen risico, laboratoriumonderzoek zoals een soa-test wel. "
        "https://www.jaaah.nl/vergoedingen/psychische-zorg-bij-de-huisarts?year=2022 : zorg door "
        f"de POH-ggz valt niet onder het eigen risico ({FOUND}).",
    },
    {
        "slug": "s-anon-nederland",
        "name": "S-Anon Nederland",
        "known_as": ("S-Anon",),
        "kind": Kind.GROUP_PROVIDER,
        "summary": "Twaalfstappengroepen voor partners, familie en vrienden van mensen met een "
        "seksverslaving, naar het voorbeeld van de Anonieme Alcoholisten.",
        "website": "https://sanon.nl/",
        "for_betrayed_partner": True,
        "for_men": True,
        "cost": Cost.UNKNOWN,
        "checked": CHECKED_DEC,
        "sources": "https://sanon.org/newcomers/faq-2/ : leden zijn mensen die geraakt zijn door "
        "het seksuele gedrag van een ander, ongeacht seksuele geaardheid of gender; wie een "
        f"familielid of vriend met een seksverslaving heeft, is altijd welkom ({FOUND_DEC}). "
        "https://sanon.nl/s-anon-voor-mij/het-probleem/ : S-Anon is voor familie en "
        "vrienden van iemand met een seksverslaving, zoals een partner of echtgenoot. "
        "https://sanon.org/newcomers/what-is-s-anon/ : twaalfstappengemeenschap voor vrienden "
        "en familie van mensen met een seksverslaving, gebaseerd op de stappen van AA "
        f"({FOUND}).",
    },
    {
        "slug": "sa-nederland",
        "name": "SA Nederland (Sexaholics Anonymous)",
        "known_as": ("SA Nederland", "Sexaholics Anonymous"),
        "kind": Kind.GROUP_PROVIDER,
        "summary": "Twaalfstappengroepen voor mannen en vrouwen die willen stoppen met "
        "dwangmatig seksueel gedrag. Niet verbonden aan een kerk of geloof; het programma is "
        "spiritueel, naar het voorbeeld van de Anonieme Alcoholisten. Geen kosten.",
        "website": "http://www.sa-nederland.nl/",
        "for_partner_who_betrayed": True,
        "for_men": True,
        "cost": Cost.FREE,
        "checked": CHECKED,
        "sources": "http://www.sa-nederland.nl/voor-professionals/ : twaalfstappenprogramma "
        "voor mannen en vrouwen, gebaseerd op het spirituele programma van de Anonieme "
        "Alcoholisten; geen behandeling of therapie. https://sa-eu.org/about-sa : geen "
        "contributie; niet verbonden aan een sekte, kerkgenootschap of organisatie "
        f"({FOUND}).",
    },
    {
        "slug": "de-luisterlijn",
        "name": "De Luisterlijn",
        "known_as": ("De Luisterlijn", "de Luisterlijn"),
        "kind": Kind.CRISIS_LINE,
        "summary": "Een luisterend oor voor iedereen die ergens mee zit. Bel 088-0767 000, of "
        "chat of mail. Dag en nacht.",
        "phone": "088-0767 000",
        "website": "https://www.deluisterlijn.nl/",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_couples": True,
        "for_men": True,
        "online": True,
        "cost": Cost.UNKNOWN,
        "answers_at_night": True,
        "offers_chat": True,
        "checked": CHECKED,
        "sources": "https://www.nrc.nl/nieuws/2021/07/27/coronablog-27-juli-a4052478 : iedereen "
        "die ergens mee zit kan bellen; 088 0767 000 is 24 uur per dag bereikbaar; chatten of "
        "mailen kan ook. https://www.omroeppenm.nl/nieuws/de-luisterlijn-telefonische-hulpdienst "
        ": dag en nacht bereikbaar, bel 088 0767 000. https://www.omroepzeeland.nl/nieuws/122850/"
        f" : website deluisterlijn.nl ({FOUND}).",
    },
    {
        "slug": "mind-korrelatie",
        "name": "MIND Korrelatie",
        "known_as": ("MIND Korrelatie",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Psychologen en maatschappelijk werkers helpen bij psychische en sociale "
        "problemen, ook bij relatieproblemen. Bel 0900-1450, chat, app of mail. Op werkdagen. Je "
        "mag anoniem blijven.",
        "phone": "0900-1450",
        "website": "https://mindkorrelatie.nl/",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_couples": True,
        "for_men": True,
        "online": True,
        "cost": Cost.UNKNOWN,
        "offers_chat": True,
        "checked": CHECKED,
        "sources": "https://nl.wikipedia.org/wiki/Korrelatie : hulp, advies en informatie bij "
        "psychische en sociale problemen via telefoon, e-mail, WhatsApp en chat. "
        "https://www.mind2022.nl/mind-korrelatie.html : ook relatieproblemen. "
        "https://mindkorrelatie.nl/voorwaarden/privacy-statement : je kunt anoniem blijven; "
        "professionele hulpverleners. https://mentaalkabaal.wixsite.com/blog/post/5-"
        "telefoonnummers-voor-mentale-rust : 0900 1450, psychologen en maatschappelijk "
        f"werkers, maandag tot en met vrijdag ({FOUND}).",
    },
    {
        "slug": "centrum-seksueel-geweld",
        "name": "Centrum Seksueel Geweld",
        "known_as": ("Centrum Seksueel Geweld",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Hulp na aanranding, verkrachting of ander seksueel geweld, ook door je "
        "partner. Bel gratis 0800-0188, dag en nacht. Gebeurde het in de laatste week? Bel dan zo "
        "snel mogelijk.",
        "phone": "0800-0188",
        "website": "https://www.centrumseksueelgeweld.nl/",
        "for_betrayed_partner": True,
        "for_men": True,
        "cost": Cost.FREE,
        "provinces": ALL_PROVINCES,
        "answers_at_night": True,
        "checked": CHECKED,
        "sources": "https://www.centrumseksueelgeweld.nl/category/in-de-media/ : 24/7 "
        "bereikbaar op 0800-0188; bij voorkeur hulp binnen zeven dagen. "
        "https://www.omroepflevoland.nl/nieuws/133448/ : iedereen die slachtoffer is van "
        "aanranding of verkrachting, 24 uur per dag, gratis nummer 0800-0188. "
        "https://www.skipr.nl/actueel/id33360-centrum-seksueel-geweld-in-heel-nederland-actief"
        f".html : landelijk dekkend netwerk ({FOUND}).",
    },
    {
        "slug": "fier",
        "name": "Fier",
        "known_as": ("Fier",),
        "kind": Kind.ORGANISATION,
        "summary": "Landelijk centrum voor hulp bij geweld in afhankelijkheidsrelaties, zoals "
        "partnergeweld. Voor slachtoffers, getuigen en plegers. Anoniem chatten kan via Chat met "
        "Fier.",
        "website": "https://www.fier.nl/",
        "for_betrayed_partner": True,
        "online": True,
        "cost": Cost.UNKNOWN,
        "offers_chat": True,
        "checked": CHECKED,
        "sources": "https://www.fier.nl/kennis-en-expertise : landelijk expertise- en "
        "behandelcentrum op het terrein van geweld in afhankelijkheidsrelaties, voor "
        "slachtoffers, getuigen en plegers; o.a. partnergeweld. https://www.omropfryslan.nl/"
        "nieuws/950133-verdubbeling-aantal-crisismeldingen-van-huiselijk-geweld : Fier heeft een "
        f"anonieme chat, www.chatmetfier.nl ({FOUND}).",
    },
    {
        "slug": "juridisch-loket",
        "name": "Het Juridisch Loket",
        "known_as": ("Juridisch Loket",),
        "kind": Kind.ORGANISATION,
        "summary": "Juridisch advies, bijvoorbeeld over scheiden, alimentatie of huren. Op de "
        "website en in een vestiging is de hulp gratis; bellen (0900-8020) kost € 0,25 per "
        "minuut. Persoonlijk advies is er vooral voor mensen met een laag inkomen.",
        "phone": "0900-8020",
        "website": "https://www.juridischloket.nl/",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "for_couples": True,
        "online": True,
        "cost": Cost.FREE,
        "price": "bellen € 0,25 per minuut",
        "checked": CHECKED,
        "sources": "https://www.juridischloket.nl/over-het-juridisch-loket/werkwijze : vragen "
        "over o.a. echtscheiding, alimentatie en huren; de hulp is gratis; 0900-8020 kost € 0,25 "
        "per minuut, elke dag 9-18 uur; in de vestiging gratis. https://www.destentor.nl/zwolle/"
        "kleine-vergissing-met-enorme-gevolgen-aan-deze-balie-in-zwolle-horen-ze-elke-dag-"
        "aangrijpende-verhalen~a1932c27/ : persoonlijk advies vooral voor mensen met een laag "
        f"inkomen ({FOUND}).",
    },
    {
        "slug": "meld-misdaad-anoniem",
        "name": "Meld Misdaad Anoniem",
        "known_as": ("Meld Misdaad Anoniem",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Meld anoniem wat je weet over een misdrijf, als je niet naar de politie durft. "
        "Bel gratis 0800-7000. Je nummer is niet zichtbaar en gesprekken worden niet opgenomen. "
        "Bij spoed bel je 112.",
        "phone": "0800-7000",
        "for_betrayed_partner": True,
        "cost": Cost.FREE,
        "checked": CHECKED,
        "sources": "https://www.politie.nl/themas/meld-misdaad-anoniem.html : gratis 0800-7000 of "
        "online formulier; M. ziet je nummer en IP-adres niet en neemt geen gesprekken op; "
        "niet voor spoed (bel 112) en geen aangifte; onafhankelijke stichting "
        f"({FOUND}).",
    },
    {
        "slug": "stop-it-now",
        "name": "Stop it Now!",
        "known_as": ("Stop it Now",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Anonieme, gratis hulplijn voor wie zich zorgen maakt over eigen seksuele "
        "gevoelens of gedrag naar kinderen, of over het kijken naar beelden van kindermisbruik. "
        "Ook voor partners en familie.",
        "phone": "0800-266 64 36",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "online": True,
        "cost": Cost.FREE,
        "offers_chat": True,
        "checked": CHECKED,
        "sources": "https://ecsa.lucyfaithfull.org/stop-it-now-nl : Stop it Now! Nederland, "
        "0800 266 64 36, anoniem en gratis; ook voor downloaders van beelden van kindermisbruik. "
        "https://www.eokm.nl/5-jaar-stop-it-now/ : voor mensen met seksuele gevoelens voor "
        "kinderen en hun omgeving; groepen voor partners en familie. https://www.nhnieuws.nl/"
        "nieuws/n134712/ : ook een chat op de website "
        f"({FOUND}).",
    },
    *VICTIM_HELP,
]


def directory_problems(organisations: list[RealOrganisation] | None = None) -> list[str]:
    """What check_content refuses: an active entry whose facts have no public source (an
    address), or no day on which a person checked them."""
    problems = []
    for data in REAL_ORGANISATIONS if organisations is None else organisations:
        if not data.get("active", True):
            continue
        if not PUBLIC_SOURCE.search(data["sources"]):
            problems.append(f"directory entry '{data['slug']}' has no public source")
        if not data.get("checked"):
            problems.append(f"directory entry '{data['slug']}' has no checked date")
    return problems


def article_organisations() -> dict[str, tuple[str, bool]]:
    """Every name an article may use for a real organisation: name -> (entry slug, faith-based).

    check_content uses this to require a directory link, and a worldview label for faith-based
    organisations, wherever an article names one.
    """
    return {
        name: (data["slug"], bool(data.get("faith_based")))
        for data in REAL_ORGANISATIONS
        for name in data.get("known_as", ())
    }
