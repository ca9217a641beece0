"""Copies the top-level templates/ and static/ into the built package.

In a source checkout the app factory finds them beside `journal/`; in a wheel they
travel inside it as `journal/templates` and `journal/static`. static/ goes as it is: after
the Makefile's static build (any `make` target that runs the app) that includes the hashed
copies, their manifest and the .br/.gz files; without it, pages link the plain names.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithWebAssets(build_py):
    def run(self):
        super().run()
        root = Path(__file__).parent
        for folder in ("templates", "static"):
            target = Path(self.build_lib) / "journal" / folder
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(root / folder, target)


setup(cmdclass={"build_py": BuildWithWebAssets})
