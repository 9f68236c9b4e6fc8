import pytest


@pytest.mark.parametrize("how", ["goto", "href", "replace", "goto", "href", "replace", "exit-goto"])
def test_debug(page, neutral_url, how):
    page.goto("/")
    if how == "goto":
        page.goto(neutral_url)
    elif how == "exit-goto":
        page.goto("/exit/")
    elif how == "href":
        page.evaluate(f"location.href = '{neutral_url}'")
    else:
        page.evaluate(f"location.replace('{neutral_url}')")
    page.wait_for_url(neutral_url)
