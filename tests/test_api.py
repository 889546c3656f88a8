"""The library API: lazy exports, and checks of JSON Lines records against their own file."""

from __future__ import annotations

import json
from pathlib import Path

import provenance
from provenance import check, index_from_paths, iter_documents

from .conftest import A000, A003


def test_public_names_resolve() -> None:
    for name in provenance.__all__:
        assert getattr(provenance, name) is not None


def test_records_of_one_jsonl_file_are_different_articles(tmp_path: Path) -> None:
    # Every record of a JSON Lines file shares its path; that must not make them "the same file".
    corpus = tmp_path / "feed.jsonl"
    records = [{"id": "wire-1", "text": A003.read_text(encoding="utf-8"), "outlet": "Sputnik"},
               {"id": "rewrite-1", "text": A000.read_text(encoding="utf-8")}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    index, failures = index_from_paths([corpus])
    assert failures == []
    rewrite = [d for d in iter_documents([corpus]) if d.id == "rewrite-1"][0]
    assert rewrite.line == 2
    with index:
        result = check(rewrite, index)
    assert [s.id for s in result.findings] == ["wire-1"]
    assert result.sources[0].credited is True
