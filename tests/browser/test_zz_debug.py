import pytest

from tests.browser.test_booking_journey import demo, walk_the_journey  # noqa

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("n", range(4))
def test_debug(demo, open_page, assert_no_axe_violations, n):
    page = open_page(viewport={"width": 320, "height": 640})
    log = []
    page.on("response", lambda r: log.append((r.url, r.status)) if "static" in r.url else None)
    page.on("requestfailed", lambda r: log.append((r.url, r.failure)))
    page.on("console", lambda m: log.append(("console", m.text)))

    def check(p):
        sheets = p.evaluate(
            "[...document.styleSheets].map(s => { try { return [s.href, s.cssRules.length] } catch (e) { return [s.href, String(e)] } })"
        )
        log.append(("sheets", p.url, sheets))
        assert_no_axe_violations(p)

    try:
        walk_the_journey(page, check)
    finally:
        for entry in log[-12:]:
            print(entry)
