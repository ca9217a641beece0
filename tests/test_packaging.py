"""The wheel carries the templates and static files the app factory points Flask at."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_templates_and_static(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("tandem_journal-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "journal/templates/base.html" in names
    assert "journal/templates/errors/error.html" in names
    assert "journal/static/css/tandem.css" in names
    assert "journal/static/js/tandem.js" in names
    assert "journal/auth/common_passwords.txt" in names
    assert "journal/practices/library.yaml" in names
