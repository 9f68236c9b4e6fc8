"""What must not stay behind on a shared phone (tests/browser/test_nothing_left_behind.py).

TOPIC_WORDS: words that say what the site is about; none may be in the address or the title of
a page of the booking journey, as the browser's history keeps them (lower case, matched as
parts of words). SEARCH_WORD: typed in the search; it may be nowhere in the profile. TYPED:
answers typed in the booking journey (tests/browser/test_booking_journey.py walks it); none
may be in the cache, the autofill store or the session files. PAGE_MARKERS: pieces of our
pages' HTML (not in our static files); none may be in the disk cache.
"""

TOPIC_WORDS = (
    "intake", "vreemd", "overspel", "bedrog", "affaire", "ontrouw", "porno", "seks", "verslav",
    "relatie", "hulpverlener", "partner", "therapie", "verraad", "ontdekt", "geheim",
)  # fmt: skip
SEARCH_WORD = "praatgroep"
TYPED = (
    "Saskia",
    "saskia@example.org",
    "Ik vond berichten op zijn telefoon.",
    "Dat we weer kunnen praten.",
    SEARCH_WORD,
)
PAGE_MARKERS = (
    'class="quick-exit-button"',
    'id="start-here-title"',
    "Je lijf staat op alarm",
    'name="csrfmiddlewaretoken"',
)
