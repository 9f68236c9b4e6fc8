"""Help for victims and for their children, added to the directory for issue 27: victim support,
image abuse, children, and a shelter through Veilig Thuis. Part of REAL_ORGANISATIONS
(support/organisations.py), with the same rules: every fact from a stored public source."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from support.models import PROVINCES, Cost, Kind

if TYPE_CHECKING:
    from support.organisations import RealOrganisation

FOUND_DEC = "gevonden 2026-12-07"
CHECKED_DEC = datetime.date(2026, 12, 7)

VICTIM_HELP: list[RealOrganisation] = [
    {
        "slug": "slachtofferhulp-nederland",
        "name": "Slachtofferhulp Nederland",
        "known_as": ("Slachtofferhulp Nederland",),
        "kind": Kind.ORGANISATION,
        "summary": "Gratis hulp als je slachtoffer bent van een misdrijf, zoals geweld, stalking "
        "of seksueel misbruik. Ook voor familie en getuigen. Hulp bij aangifte, het strafproces "
        "en schade. Bel 0900-0101 (lokaal tarief) of chat.",
        "phone": "0900-0101",
        "website": "https://www.slachtofferhulp.nl/",
        "for_betrayed_partner": True,
        "online": True,
        "offers_chat": True,
        "cost": Cost.FREE,
        "price": "bellen: lokaal tarief",
        "checked": CHECKED_DEC,
        "sources": "https://www.politie.nl/themas/slachtofferhulp.html : hulp voor slachtoffers "
        "van een misdrijf, en voor familie, getuigen en nabestaanden; gratis; 0900-0101 (lokaal "
        "tarief), in crisissituaties ook buiten kantoortijden. https://www.slachtofferhulp.nl/"
        "professionals/een-slachtoffer-doorverwijzen/doorverwijzen-naar-slachtofferhulp/ : o.a. "
        "geweld, fraude of seksueel misbruik. https://www.gezondheidsnet.nl/geest/wat-doet-"
        "slachtofferhulp-voor-je : o.a. stalking en seksueel of huiselijk geweld; emotionele en "
        "juridische hulp. https://www.zeelandnet.nl/nieuws/aantal-chats-slachtofferhulp-"
        f"verdriedubbeld-na-boos-uitzending : Slachtofferhulp voert chatgesprekken ({FOUND_DEC}).",
    },
    {
        "slug": "helpwanted",
        "name": "Helpwanted",
        "known_as": ("Helpwanted",),
        "kind": Kind.CRISIS_LINE,
        "summary": "Hulp als iemand naaktbeelden van je verspreidt of ermee dreigt, of bij ander "
        "online misbruik. Helpwanted helpt beelden te laten verwijderen. Chat, bel 020-261 52 75 "
        "of mail. Gratis en anoniem. Ook in het Engels.",
        "phone": "020-261 52 75",
        "website": "https://www.helpwanted.nl/",
        "for_betrayed_partner": True,
        "online": True,
        "offers_chat": True,
        "cost": Cost.FREE,
        "checked": CHECKED_DEC,
        "sources": "http://www.helpwanted.nl/en : chat, telefoon 020-261 52 75 of e-mail, gratis "
        "en anoniem; misbruik van je beelden, sextortion; helpt beelden van internet te halen; "
        "'you can communicate with us in English'. https://www.helpwanted.nl/informatie-voor-"
        f"scholieren-en-studenten : anonieme hulplijn, anoniem chatten ({FOUND_DEC}).",
    },
    {
        "slug": "de-kindertelefoon",
        "name": "De Kindertelefoon",
        "known_as": ("De Kindertelefoon", "de Kindertelefoon", "Kindertelefoon"),
        "kind": Kind.CRISIS_LINE,
        "summary": "Voor je kinderen: kinderen en jongeren van 8 tot 18 jaar kunnen elke dag "
        "gratis "
        "en anoniem bellen of chatten, ook als het thuis moeilijk is. Bel 0800-0432.",
        "phone": "0800-0432",
        "website": "https://www.kindertelefoon.nl/",
        "for_betrayed_partner": True,
        "for_partner_who_betrayed": True,
        "online": True,
        "offers_chat": True,
        "cost": Cost.FREE,
        "checked": CHECKED_DEC,
        "sources": "https://www.vriendenkindertelefoon.nl/kindertelefoon : kinderen en jongeren "
        "van 8 tot 18 jaar kunnen 365 dagen per jaar gratis en anoniem bellen en chatten; "
        "landelijk gratis nummer 0800-0432. https://www.rtvoost.nl/nieuws/317910/ : ook over "
        "huiselijk geweld; telefoon en chat. https://www.metronieuws.nl/in-het-nieuws/2019/09/"
        f"hoera-de-kindertelefoon-bestaat-40-jaar : website Kindertelefoon.nl ({FOUND_DEC}).",
    },
    {
        "slug": "opvang-via-veilig-thuis",
        "name": "Opvang: een veilige plek via Veilig Thuis",
        "kind": Kind.CRISIS_LINE,
        "summary": "Moet je weg van huis omdat het daar niet veilig is? Bel Veilig Thuis: gratis, "
        "dag en nacht. Zij zoeken met je naar een plek in de opvang. Er zijn te weinig plekken, "
        "dus soms moet je wachten. Ben je nu in gevaar? Bel 112.",
        "phone": "0800-2000",
        "website": "https://www.veiligthuis.nl/",
        "for_betrayed_partner": True,
        "for_men": True,
        "online": True,
        "answers_at_night": True,
        "offers_chat": True,
        "cost": Cost.FREE,
        "provinces": [slug for slug, _name in PROVINCES],
        "checked": CHECKED_DEC,
        "sources": "https://www.limburger.nl/cnt/dmf20200110_00141342 : slachtoffers van "
        "huiselijk geweld krijgen via Veilig Thuis een opvangplek. https://www.zanzu.nl/en/"
        "subjects/rights-and-law/violence/partner-violence/ : bij gevaar naar een opvang (Blijf "
        "van mijn lijf huis); Veilig Thuis biedt opvang en steun, anoniem en gratis. "
        "https://www.metronieuws.nl/in-het-nieuws/binnenland/2025/10/opvangplekken-tekort-"
        "slachtoffers-huiselijk-geweld-xyz/ : te weinig plekken, wachtlijsten; Veilig Thuis belt "
        "rond voor een opvangplek. https://www.rijksoverheid.nl/onderwerpen/huiselijk-geweld/"
        "vraag-en-antwoord/wat-moet-ik-doen-bij-huiselijk-geweld : 0800-2000 gratis, alle dagen "
        "en uren; ook voor mannen: https://www.heumen.nl/huiselijk-geweld (Veilig Thuis is er "
        f"voor iedereen) ({FOUND_DEC}).",
    },
]
