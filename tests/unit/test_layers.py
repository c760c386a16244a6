"""core/ never imports Qt: import every core module with PySide6 made unimportable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_PROBE = """
import importlib, pkgutil, sys

class NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "PyQt5", "PyQt6"):
            raise ImportError(f"core must not import {name}")
        return None

sys.meta_path.insert(0, NoQt())
import lytsite_desktop.core as core
names = [m.name for m in pkgutil.walk_packages(core.__path__, "lytsite_desktop.core.")]
for name in names:
    importlib.import_module(name)
import lytsite_desktop.cli
print(len(names))
"""


def test_core_and_cli_import_without_qt():
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 15  # every core module was really imported
