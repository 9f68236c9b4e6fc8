import pytest
from tests.browser.conftest import NEUTRAL_PAGE

@pytest.mark.parametrize("variant", ["ctx", "page", "ctx+catchall", "ctx", "page", "ctx+catchall", "ctx-glob-all"])
def test_debug(browser, live_server, variant):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(5000)
    stub = lambda route: route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)
    if variant == "ctx+catchall":
        context.route(lambda url: not url.startswith(live_server.url), lambda r: r.abort("blockedbyclient"))
    if variant == "ctx-glob-all":
        context.route("**/*", lambda r: stub(r) if "neutral" in r.request.url else r.continue_())
    elif variant.startswith("ctx"):
        context.route("https://neutral.example/**", stub)
    else:
        page.route("https://neutral.example/**", stub)
    page.goto("/")
    try:
        page.goto("/exit/")
        assert page.url == "https://neutral.example/weer"
    finally:
        context.close()
