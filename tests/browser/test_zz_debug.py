import pytest


@pytest.mark.parametrize("how", ["click", "shift", "js"])
def test_debug(page, neutral_url, how):
    log = []
    page.on("request", lambda r: log.append(("req", r.url)))
    page.on("requestfailed", lambda r: log.append(("fail", r.url, r.failure)))
    page.goto("/")
    if how == "click":
        page.locator(".quick-exit-button").click()
    elif how == "js":
        page.evaluate("location.replace('/exit/')")
    else:
        for _ in range(3):
            page.keyboard.press("Shift")
    try:
        page.wait_for_url(neutral_url)
    finally:
        print(how, log[-2:])
