"""The practice library and the common-password list are data, so their shape is checked here.

These tests read the files directly and never build the app: content can be reviewed and
changed without a database, and a broken library fails loudly before it reaches users.
"""

import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
LIBRARY = ROOT / "journal" / "practices" / "library.yaml"
PASSWORDS = ROOT / "journal" / "auth" / "common_passwords.txt"
#: The source ideas live beside the project: `../shared/PRACTICES.md` from the project root,
#: and nowhere else.
PRACTICES_MD = ROOT.resolve().parent / "shared" / "PRACTICES.md"
#: Every touch practice from stage 3 on says this, in these words.
CLEARANCE = "Only after a clinician's check, once bleeding has settled and any tear or caesarean wound has healed."
#: A run of this many words in common with the source ideas is paraphrase creeping back.
SHARED_RUN = 8

KINDS = {
    "check-in",
    "consent",
    "closeness",
    "touch",
    "grounding",
    "mindfulness",
    "communication",
    "medical",
    "lifestyle",
    "counselling",
}
SIGNALS = {"ask", "slow_down", "pause", "stop", "check_in"}
MILESTONE_SLUGS = {"early-postnatal-contact", "full-postnatal-check-up"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_IDS = set(range(1, 19))

#: Titles show on screens other people may glance at, so none of these word stems may appear.
EXPLICIT_TITLE_WORDS = re.compile(
    r"\b(sex\w*|orgasm\w*|genital\w*|arous\w*|vagin\w*|vulva\w*|clitor\w*|penis\w*|"
    r"erection\w*|nipple\w*|breast\w*|naked|nude\w*|erotic\w*|intercourse|foreplay|climax\w*)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def library():
    with LIBRARY.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def practices(library):
    return library["practices"]


def test_top_level_shape(library):
    assert library.get("version") == 1, "library.yaml must declare version: 1"
    for key in ("topics", "practices", "consent_phrases", "journal_prompts", "moment_kinds"):
        assert isinstance(library.get(key), list) and library[key], f"'{key}' must be a non-empty list"


def test_topics_are_numbered_and_named(library):
    ids = [t.get("id") for t in library["topics"]]
    assert ids == sorted(TOPIC_IDS), f"topics must be ids 1..18 in order, got {ids}"
    for topic in library["topics"]:
        name = topic.get("name")
        assert isinstance(name, str) and name.strip(), f"topic {topic.get('id')} has no name"


def test_at_least_forty_practices(practices):
    assert len(practices) >= 40, f"expected at least 40 practices, found {len(practices)}"


def test_slugs_unique_and_well_formed(practices):
    slugs = [p.get("slug") for p in practices]
    for slug in slugs:
        assert isinstance(slug, str) and SLUG_RE.match(slug), f"malformed slug: {slug!r}"
    duplicates = [s for s, n in Counter(slugs).items() if n > 1]
    assert not duplicates, f"duplicate slugs: {duplicates}"


def test_kinds_are_allowed(practices):
    for p in practices:
        assert p.get("kind") in KINDS, f"{p.get('slug')}: kind {p.get('kind')!r} not in {sorted(KINDS)}"


def test_every_kind_is_used(practices):
    used = Counter(p["kind"] for p in practices)
    missing = KINDS - set(used)
    assert not missing, f"kinds with no practice: {sorted(missing)}"


@pytest.mark.parametrize("field", ["title", "summary"])
def test_text_fields_present(practices, field):
    for p in practices:
        value = p.get(field)
        assert isinstance(value, str) and value.strip(), f"{p.get('slug')}: '{field}' is missing or empty"


def test_steps(practices):
    for p in practices:
        steps = p.get("steps")
        assert isinstance(steps, list), f"{p.get('slug')}: steps must be a list"
        assert 3 <= len(steps) <= 7, f"{p.get('slug')}: needs 3 to 7 steps, has {len(steps)}"
        for i, step in enumerate(steps, 1):
            assert isinstance(step, str) and step.strip(), f"{p.get('slug')}: step {i} must be non-empty text"


def test_duration(practices):
    for p in practices:
        minutes = p.get("duration_minutes")
        assert isinstance(minutes, int) and not isinstance(minutes, bool), (
            f"{p.get('slug')}: duration_minutes must be an integer, got {minutes!r}"
        )
        assert 2 <= minutes <= 60, f"{p.get('slug')}: duration_minutes {minutes} outside 2..60"


def test_together_is_bool(practices):
    for p in practices:
        assert isinstance(p.get("together"), bool), f"{p.get('slug')}: 'together' must be true or false"


def test_some_practices_are_done_alone(practices):
    alone = [p["slug"] for p in practices if p["together"] is False]
    assert len(alone) >= 3, f"expected several solo practices, found {alone}"


def test_practice_topics(practices):
    for p in practices:
        topics = p.get("topics")
        assert isinstance(topics, list) and topics, f"{p.get('slug')}: 'topics' must be a non-empty list"
        for t in topics:
            assert isinstance(t, int) and not isinstance(t, bool) and t in TOPIC_IDS, (
                f"{p.get('slug')}: topic {t!r} is not an id in 1..18"
            )


def test_every_topic_is_covered_and_named(library, practices):
    covered = {t for p in practices for t in p["topics"]}
    missing = TOPIC_IDS - covered
    assert not missing, f"topics with no practice: {sorted(missing)}"
    named = {t["id"] for t in library["topics"]}
    unnamed = covered - named
    assert not unnamed, f"practices use topics without a name: {sorted(unnamed)}"


def test_stage_only_on_touch(practices):
    for p in practices:
        if p["kind"] == "touch":
            assert p.get("stage") in (1, 2, 3, 4), (
                f"{p['slug']}: touch practice needs stage 1..4, got {p.get('stage')!r}"
            )
        else:
            assert "stage" in p and p["stage"] is None, f"{p['slug']}: only touch practices have a stage"


def test_each_touch_stage_has_practices(practices):
    per_stage = Counter(p["stage"] for p in practices if p["kind"] == "touch")
    for stage in (1, 2, 3, 4):
        assert per_stage[stage] >= 3, f"stage {stage} has {per_stage[stage]} touch practices, expected at least 3"


def test_touch_practices_have_safety_notes(practices):
    for p in practices:
        if p["kind"] == "touch":
            note = p.get("safety_note")
            assert isinstance(note, str) and note.strip(), f"{p['slug']}: touch practice needs a safety_note"


def test_safety_note_is_text_or_null(practices):
    for p in practices:
        assert "safety_note" in p, f"{p['slug']}: 'safety_note' key missing (use null when none fits)"
        note = p["safety_note"]
        assert note is None or (isinstance(note, str) and note.strip()), f"{p['slug']}: empty safety_note"


def test_milestone_practices_exist(practices):
    by_slug = {p["slug"]: p for p in practices}
    for slug in sorted(MILESTONE_SLUGS):
        assert slug in by_slug, f"the postpartum timeline needs a practice with slug '{slug}'"
        assert by_slug[slug]["kind"] == "medical", f"'{slug}' must be a medical practice"


def test_titles_are_discreet(practices):
    for p in practices:
        match = EXPLICIT_TITLE_WORDS.search(p["title"])
        assert not match, f"{p['slug']}: title {p['title']!r} contains {match.group(0)!r}; titles must stay discreet"


def test_consent_phrases_cover_every_signal(library):
    phrases = library["consent_phrases"]
    for item in phrases:
        assert item.get("signal") in SIGNALS, f"unknown consent signal {item.get('signal')!r}"
        assert isinstance(item.get("phrase"), str) and item["phrase"].strip(), f"empty phrase in {item}"
        assert isinstance(item.get("meaning"), str) and item["meaning"].strip(), (
            f"phrase {item['phrase']!r} has no meaning"
        )
    counts = Counter(item["signal"] for item in phrases)
    for signal in sorted(SIGNALS):
        assert counts[signal] >= 3, f"signal '{signal}' has {counts[signal]} phrases, expected at least 3"


def test_journal_prompts(library):
    prompts = library["journal_prompts"]
    assert len(prompts) >= 10, f"expected at least 10 journal prompts, found {len(prompts)}"
    for prompt in prompts:
        assert isinstance(prompt, str) and prompt.strip().endswith("?"), f"prompt must be a single question: {prompt!r}"
    assert len(set(prompts)) == len(prompts), "journal prompts must not repeat"


def test_moment_kinds(library):
    kinds = library["moment_kinds"]
    slugs = [k.get("slug") for k in kinds]
    for required in ("hug", "eye-contact", "laugh"):
        assert required in slugs, f"moment kind '{required}' is missing"
    assert len(set(slugs)) == len(slugs), "moment kind slugs must be unique"
    for k in kinds:
        assert isinstance(k.get("slug"), str) and SLUG_RE.match(k["slug"]), f"malformed moment slug {k.get('slug')!r}"
        assert isinstance(k.get("label"), str) and k["label"].strip(), f"moment '{k['slug']}' has no label"


def _practices_md_or_skip() -> Path:
    """PRACTICES.md, or a skip where it isn't beside the project (a failure under CI)."""
    if not PRACTICES_MD.is_file():
        message = f"PRACTICES.md is not at {PRACTICES_MD} (../shared from the project root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return PRACTICES_MD


def test_topic_count_matches_practices_md(library):
    source = _practices_md_or_skip()
    lines = source.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Topics")), None)
    assert start is not None, f"no 'Topics' list found in {source}"
    numbered = [line for line in lines[start + 1 :] if re.match(r"^\d+\. ", line)]
    assert len(numbered) == len(library["topics"]), (
        f"{source} lists {len(numbered)} topics but library.yaml has {len(library['topics'])}"
    )


def test_common_passwords():
    entries = PASSWORDS.read_text(encoding="utf-8").splitlines()
    assert len(entries) >= 400, f"expected at least 400 common passwords, found {len(entries)}"
    duplicates = [e for e, n in Counter(entries).items() if n > 1]
    assert not duplicates, f"duplicate passwords: {duplicates[:10]}"
    for entry in entries:
        assert entry == entry.strip() and entry, f"blank line or stray whitespace: {entry!r}"
        assert entry == entry.lower(), f"password list must be lowercase: {entry!r}"
        assert len(entry) >= 10, f"{entry!r} is shorter than the 10-character minimum, so it is useless here"


def test_touch_from_stage_three_on_carries_the_clearance_line(practices):
    """Stages 3 and 4 reach intimate areas, so each names the same clearance."""
    for p in practices:
        if p["kind"] == "touch" and p["stage"] >= 3:
            assert CLEARANCE in p["safety_note"], f"{p['slug']}: stage {p['stage']} needs the clearance line"


def test_touch_before_stage_four_keeps_intercourse_out(practices):
    """The agreement that stages 1 to 3 leave out intercourse is written where the structure is."""
    agreed = [
        p["slug"]
        for p in practices
        if p["kind"] == "touch" and "no intercourse in stages 1 to 3" in " ".join(p["steps"])
    ]
    assert agreed, "a touch practice should set out the turns, the time and the stages-1-to-3 agreement"


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("\u2019", "'"))


def _runs(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_no_sentence_shares_a_long_run_of_words_with_the_source_ideas(library):
    """Our own words: nothing in the library repeats eight words in a row from PRACTICES.md."""
    source = _practices_md_or_skip()
    source_runs = _runs(_words(source.read_text(encoding="utf-8")), SHARED_RUN)
    copied = []
    for text in _strings({k: v for k, v in library.items() if k != "version"}):
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            common = _runs(_words(sentence), SHARED_RUN) & source_runs
            if common:
                copied.append(f"{sentence!r} shares {' '.join(sorted(common)[0])!r}")
    assert not copied, "rewrite these from the idea:\n" + "\n".join(copied)


def test_the_long_run_check_can_fail():
    """The guard itself: a sentence lifted from the source is caught."""
    source = _practices_md_or_skip()
    lifted = source.read_text(encoding="utf-8").splitlines()[2]
    assert _runs(_words(lifted), SHARED_RUN) & _runs(_words(source.read_text(encoding="utf-8")), SHARED_RUN)
