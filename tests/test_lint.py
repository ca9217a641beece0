"""ruff finds nothing in the code, the tests, the benchmarks and the migrations, with the
rules chosen in pyproject.toml ([tool.ruff.lint]), and its formatter would change nothing
([tool.ruff.format]). An accepted finding carries `# noqa: <code>` on its line with the
reason beside it."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREE = ("journal", "tests", "bench", "migrations")


def _ruff(*args: str) -> subprocess.CompletedProcess:
    """ruff run over the tree; missing ruff fails under CI and skips elsewhere."""
    if importlib.util.find_spec("ruff") is None:
        message = "ruff is not installed (pyproject.toml's test extras; `make install`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", *TREE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_finds_nothing():
    result = _ruff("check", "--output-format", "concise")
    assert result.returncode == 0, "ruff:\n" + result.stdout + result.stderr
    assert "All checks passed" in result.stdout


def test_ruff_format_would_change_nothing():
    result = _ruff("format", "--check")
    assert result.returncode == 0, "`ruff format` would change these (run it):\n" + result.stdout + result.stderr


def test_ruff_catches_what_the_rules_name():
    """The project's rules are in force (not ruff's defaults, which leave out isort, bugbear
    and pyupgrade): a small bad file shows each of them."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed")
    bad = 'import sys\nimport os\n\n\ndef f(x=[]):\n    return "%s" % x or os\n'
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format",
            "concise",
            "--stdin-filename",
            "tests/test_bad_example.py",
            "-",
        ],
        cwd=ROOT,
        input=bad,
        capture_output=True,
        text=True,
        check=False,
    )
    for code in ("F401", "I001", "B006", "UP031"):
        assert code in result.stdout, (code, result.stdout)
