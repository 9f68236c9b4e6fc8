def test_debug(page, neutral_url):
    log = []
    page.on("request", lambda r: log.append(("req", r.url, r.is_navigation_request())))
    page.on("requestfailed", lambda r: log.append(("fail", r.url, r.failure)))
    page.on("response", lambda r: log.append(("resp", r.url, r.status)))
    page.goto("/")
    for _ in range(3):
        page.keyboard.press("Shift")
    try:
        page.wait_for_url(neutral_url)
    finally:
        print(log)
