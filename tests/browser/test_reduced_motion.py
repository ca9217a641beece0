"""People who ask their system for reduced motion get none: on the main pages no
element (or ::before/::after) runs an animation or a transition longer than
0.01 s, nothing scrolls smoothly, and document.getAnimations() is empty.

Tandem's own stylesheet has no motion today, so a check of the real pages alone
would pass whether or not the `prefers-reduced-motion: reduce` block works. The
second test therefore adds motion the way a future stylesheet would (a
transition, a looping animation, smooth scrolling, plus an inline transition),
shows the checker sees it without the preference, and sees none with it.
"""

from tests.browser.journeys import PHONE

PAGES = [
    "/today",
    "/plan",
    "/checkins/new",
    "/journal",
    "/journal/new",
    "/practices",
    "/consent",
    "/couple",
    "/reminders",
]
LIMIT_SECONDS = 0.01

#: Every element's motion, as computed: what moves, and for how long.
_MOTION = """(limit) => {
  const seconds = (list) => list.split(",").map((t) => t.trim().endsWith("ms")
    ? parseFloat(t) / 1000 : parseFloat(t) || 0);
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  for (const el of document.querySelectorAll("*")) {
    for (const pseudo of [null, "::before", "::after"]) {
      const s = getComputedStyle(el, pseudo);
      const where = name(el) + (pseudo || "");
      const longest = Math.max(...seconds(s.transitionDuration));
      if (s.transitionProperty !== "none" && longest > limit) {
        found.push(`${where}: transition ${s.transitionProperty} ${s.transitionDuration}`);
      }
      if (s.animationName !== "none" && Math.max(...seconds(s.animationDuration)) > limit) {
        found.push(`${where}: animation ${s.animationName} ${s.animationDuration}`);
      }
      if (s.scrollBehavior === "smooth") found.push(`${where}: scroll-behavior smooth`);
    }
  }
  for (const a of document.getAnimations()) {
    if (a.playState === "running") {
      found.push(`running ${a.constructor.name} ${a.animationName || a.transitionProperty || ""} on ${a.effect && a.effect.target ? name(a.effect.target) : "?"}`);
    }
  }
  return found;
}"""

#: Motion as a future stylesheet might add it: ordinary (not !important) rules,
#: and one inline style. Added through the CSSOM, which the CSP allows.
_ADD_MOTION = """() => {
  const sheet = document.styleSheets[0];
  for (const rule of [
    "@keyframes tandem-test-breathe { from { opacity: 1; } to { opacity: 0.6; } }",
    ".button { transition: background-color 0.3s ease, transform 250ms; }",
    "h1::after { content: ''; animation: tandem-test-breathe 2s infinite alternate; }",
    "html { scroll-behavior: smooth; }",
  ]) sheet.insertRule(rule, sheet.cssRules.length);
  document.querySelector("main").style.transition = "opacity 0.5s";
}"""


def test_no_motion_on_the_main_pages_when_reduced_motion_is_asked_for(journey, partnered):
    anonymous = journey.person("anonymous", viewport=PHONE, reduced_motion="reduce")
    assert anonymous.goto("/").ok
    assert anonymous.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    seen = {"/": anonymous.evaluate(_MOTION, LIMIT_SECONDS)}
    page = partnered(PHONE, reduced_motion="reduce").a.page
    for path in PAGES:
        assert page.goto(path).ok, path
        seen[path] = page.evaluate(_MOTION, LIMIT_SECONDS)
    moving = {path: found for path, found in seen.items() if found}
    assert not moving, f"motion despite prefers-reduced-motion: reduce: {moving}"
    journey.assert_clean()


def test_reduced_motion_stops_motion_a_stylesheet_adds(journey):
    page = journey.person("A", viewport=PHONE, reduced_motion="no-preference")
    page.goto("/login")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: no-preference)').matches")
    page.evaluate(_ADD_MOTION)

    found = page.evaluate(_MOTION, LIMIT_SECONDS)
    for where, what in (
        ("button.button", ": transition background-color, transform"),
        ("h1::after", ": animation tandem-test-breathe"),
        ("html", ": scroll-behavior smooth"),
        ("main#main", ": transition opacity"),
        ("running CSSAnimation tandem-test-breathe", ""),
    ):
        assert any(line.startswith(where) and what in line for line in found), (where, what, found)

    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(_MOTION, LIMIT_SECONDS) == [], "the reduce block let motion through"
    journey.assert_clean()
