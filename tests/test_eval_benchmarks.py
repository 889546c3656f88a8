"""Smoke tests of the accuracy benchmarks: each runs on the shared data (skipped, with a message,
when ../shared/data is absent) and writes its JSON figures; an absent folder exits 0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .conftest import SHARED_DATA

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import eval_clough  # noqa: E402
import eval_msrp  # noqa: E402


def _need(name: str) -> Path:
    folder = SHARED_DATA / name
    if not folder.is_dir():
        pytest.skip(f"needs the {name} data at {folder} (not part of the repository)")
    return folder


def test_missing_data_folder_skips_with_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert eval_clough.main([str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().err


def test_clough_writes_figures(tmp_path: Path) -> None:
    folder = _need("clough-stevenson")
    out = tmp_path / "clough.json"
    assert eval_clough.main([str(folder), "--out", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["answers"] == 57 and figures["non_flagged"] <= 1
    # The floors on this development part (see benchmarks/results/clough.json).
    assert figures["findable_flagged_right"] >= 29
    assert figures["four_class_accuracy"] >= 0.75
    assert figures["coverage_auc_without_unfindable"] >= 0.98


def test_msrp_writes_figures(tmp_path: Path) -> None:
    folder = _need("msrp")
    out = tmp_path / "msrp.json"
    assert eval_msrp.main([str(folder), "--out", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["tool_score"]["auc"] >= 0.78
