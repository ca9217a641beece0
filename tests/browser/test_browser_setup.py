"""The shared Chromium is launched as tests/conftest.py says: without the address bar's
popups (see DISABLED_FEATURES there), which would otherwise follow every navigation of
every test."""


def test_no_window_keeps_address_bar_popups(browser):
    context = browser.new_context()
    try:
        context.new_page().set_content("<p>A page in a window of its own.</p>")
        session = browser.new_browser_cdp_session()
        targets = session.send("Target.getTargets", {"filter": [{}]})["targetInfos"]
        session.detach()
    finally:
        context.close()
    assert [t for t in targets if t["type"] == "page"], "the check must see the page it opened"
    assert not [t["url"] for t in targets if "omnibox" in t["url"]]
