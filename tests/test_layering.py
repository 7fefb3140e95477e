"""The layers below cli/ and tui/ never import Textual or click (design.md: one direction)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import qualcode

BELOW_UI = ("core", "storage", "ingest", "analysis", "exchange")


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(qualcode.__path__, "qualcode."):
        if info.name.split(".")[1] in BELOW_UI:
            names.append(info.name)
    return names


def test_core_layers_import_without_textual_or_click() -> None:
    modules = _modules()
    assert "qualcode.core.codebook" in modules and "qualcode.storage.project" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'click'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
