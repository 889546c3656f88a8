"""A check imports neither datasketch nor scipy (over a second of start-up, issue #15)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def _imported(*args: str) -> str:
    done = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return "\n".join(line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                     if line.startswith("import time:"))


def _heavy(modules: str) -> list[str]:
    return [m for m in modules.splitlines() if m.split(".")[0] in ("datasketch", "scipy")]


def test_check_imports_no_datasketch_nor_scipy():
    modules = _imported("-m", "provenance", "check", "samples/000_49245dd74f8c1102.txt", "--against", "samples/")
    assert "provenance.sketch" in modules.splitlines()
    assert not _heavy(modules)


def test_sketching_imports_no_datasketch_nor_scipy():
    modules = _imported("-c", "from provenance.settings import SketchParams\n"
                              "from provenance.sketch import index_entries, lsh_params, sketch_text\n"
                              "p = SketchParams()\n"
                              "sketch_text('One sentence here. And another one there.', p)\n"
                              "index_entries(['Some text to index.'], p)\n"
                              "lsh_params(0.3, 256)\n"
                              "import sys\n"
                              "assert not [m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')]\n")
    assert not _heavy(modules)
