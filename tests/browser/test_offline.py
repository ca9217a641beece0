"""Offline in Chromium: the service worker keeps the shell under the content-hashed names
pages link, and without a connection shows the offline page with its stylesheet."""

from journal.testing import live_server as serve


def test_without_a_connection_the_offline_page_comes_styled_from_the_shell(live_server, browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        with serve(live_server.app) as url:  # a server of its own, to be switched off
            page.goto(url + "/login")
            stylesheet = page.get_attribute("link[rel=stylesheet]", "href")
            kept = page.evaluate("""async () => {
                await navigator.serviceWorker.ready;
                const names = await caches.keys();
                const cache = await caches.open(names[0]);
                return {names: names, paths: (await cache.keys()).map((r) => new URL(r.url).pathname)};
            }""")
        assert len(kept["names"]) == 1
        assert stylesheet.startswith("/static/css/tandem-") and stylesheet in kept["paths"]
        assert "/offline" in kept["paths"]

        page.goto(url + "/journal")  # the server is gone
        assert page.locator("h1").inner_text() == "You're offline"
        rules = page.evaluate("Array.from(document.styleSheets).map((s) => s.cssRules.length)")
        assert rules and all(rules), "the stylesheet came from the worker's cache"
    finally:
        context.close()
