"""Bandit finds nothing of medium severity or above in the code that runs in production.
An accepted finding carries `# nosec <id>` on its line, with the reason just above it."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_finds_nothing_of_medium_severity_or_above():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandit",
            "-r",
            "journal",
            "migrations",
            "gunicorn.conf.py",
            "--severity-level",
            "medium",
            "--format",
            "json",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert not report["errors"], report["errors"]
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert not findings, "bandit: " + "; ".join(findings)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it did read the code
