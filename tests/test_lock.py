"""The build is reproducible: requirements/lock.txt pins every dependency of pyproject.toml
(runtime and test, and what they need in turn) with hashes. A dependency added to
pyproject.toml without `make lock` fails here."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes)."""
    pins, current = {}, None
    for line in LOCK.read_text().splitlines():
        found = PIN.match(line)
        if found:
            current = canonicalize_name(found[1])
            pins[current] = (found[2], [])
        elif current and line.strip().startswith("--hash="):
            pins[current][1].append(line.strip().rstrip(" \\"))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**default_environment(), "extra": extra}) for extra in extras or {""})


def test_every_pin_has_a_hash():
    pins = _lock()
    assert len(pins) > 20
    assert not [name for name, (_, hashes) in pins.items() if not hashes]


def test_every_declared_requirement_is_pinned_within_its_range():
    pins = _lock()
    problems = []
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{requirement} but the lock pins {pins[name][0]}")
    assert not problems, "pyproject.toml and requirements/lock.txt disagree (run `make lock`): " + "; ".join(problems)


def test_what_the_requirements_need_in_turn_is_pinned_too():
    """Walks the installed packages' own requirements (with the extras asked for)."""
    pins = _lock()
    missing, seen = [], set()
    todo = [(r, set(r.extras)) for r in _declared()]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        if (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        if name not in pins:
            missing.append(name)
            continue
        try:
            needs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here: the declared check above covers it
        for line in needs:
            need = Requirement(line)
            if _applies(need, extras):
                todo.append((need, set(need.extras)))
    assert not missing, f"needed but not in the lock (run `make lock`): {sorted(set(missing))}"
