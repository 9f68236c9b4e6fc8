"""The words a reader in distress types, and the words our content uses for the same thing.

Reviewed by hand: every group is a small set of words a search should treat as one, each with a
test in tests/articles/test_search_synonyms.py. A word in a group finds every word of its group
(folded and stemmed as the index is). Stop words never rank on their own: they are dropped from
a query that has other words, and a query of stop words only finds nothing ("ben ik gek" ranks
on "gek", never on "ben").
"""

SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    # "Am I going mad?" -> the content on normal reactions to a shock.
    ("gek", "overdreven", "normaal", "schok", "doorgedraaid", "hysterisch", "aanstellen"),
    # Peer groups.
    ("praatgroep", "lotgenoten", "lotgenotengroep", "steungroep", "gespreksgroep", "zelfhulpgroep"),
    # What happened.
    ("vreemdgaan", "vreemdgegaan", "overspel", "affaire", "ontrouw", "bedrogen", "slippertje"),
    ("porno", "pornoverslaving", "seksverslaving", "seksverslaafd", "pornografie"),
    ("liegen", "leugens", "gelogen", "geheim"),
    # What to do next.
    ("scheiden", "scheiding", "weggaan"),
    ("therapeut", "therapie", "psycholoog", "hulpverlener", "relatietherapie"),
    ("zelfmoord", "zelfdoding", "suicide"),
    ("gaslighting", "manipulatie", "manipuleren"),
    ("soa", "geslachtsziekte", "hiv"),
)

STOP_WORDS = frozenset({
    "aan", "al", "alles", "als", "ben", "bij", "dan", "dat", "de", "der", "deze", "die", "dit",
    "doe", "doen", "door", "dus", "een", "en", "er", "ga", "gaat", "had", "heb", "hebben",
    "heeft", "het", "hij", "hoe", "hun", "ik", "in", "is", "je", "jij", "jou", "jouw", "kan",
    "kun", "kunnen", "maar", "me", "met", "mij", "mijn", "moet", "moeten", "na", "naar", "niet",
    "nog", "nu", "of", "om", "ook", "op", "over", "te", "tot", "u", "uit", "van", "veel", "voor",
    "waarom", "was", "wat", "we", "wel", "wie", "wij", "wil", "wilt", "word", "wordt", "ze",
    "zich", "zij", "zijn", "zo", "zou",
})  # fmt: skip
