"""The ci policy table of the configuration: parsing, discovery, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from provenance.config import find_config, load_ci_config, load_settings, parse_ci_table
from provenance.errors import ConfigError
from provenance.policy import Policy, Waiver
from provenance.results import SourceFinding


def finding(source: str = "wire/1.txt", outlet: str | None = "Reuters", verdict: str = "paraphrase"):
    return SourceFinding(id=source, path=None, verdict=verdict, coverage=0.5, score=0.8,
                         credited=False, direction="unknown", direction_reason="", outlet=outlet)


def test_full_table_parses_into_a_policy() -> None:
    table = parse_ci_table({
        "fail-on": "copy", "allow-outlets": ["Reuters"], "allow-sources": ["wire/*"],
        "common-outlets": ["White House"], "common-sources": ["press/*"], "ignore": ["drafts"],
        "jobs": 3, "waivers": [{"article": "a.txt", "source": "b.txt", "reason": "reviewed"}],
    })
    policy = Policy.from_config(table)
    assert policy.fail_on == "copy" and table["jobs"] == 3
    assert policy.waivers == (Waiver("a.txt", "b.txt", "reviewed"),)
    assert policy.to_dict()["allow_outlets"] == ["Reuters"]


@pytest.mark.parametrize("table, key", [
    ({"allowlist": []}, "ci.allowlist"),                      # unknown key
    ({"fail-on": "none"}, "ci.fail-on"),                      # not a gate level
    ({"jobs": 0}, "ci.jobs"),
    ({"jobs": True}, "ci.jobs"),                              # a bool is not a count
    ({"ignore": ["ok", ""]}, "ci.ignore"),                    # empty pattern
    ({"common-outlets": [1]}, "ci.common-outlets"),
    ({"waivers": {"article": "a"}}, "ci.waivers"),            # a table, not a list of tables
    ({"waivers": [{"article": "a", "source": "b", "reason": " "}]}, "ci.waivers[0].reason"),
    ({"waivers": [{"article": "a", "source": "b", "reason": "r", "by": "x"}]}, "ci.waivers[0].by"),
], ids=["unknown", "level", "jobs-zero", "jobs-bool", "empty-glob", "non-string", "waivers-table",
        "blank-reason", "waiver-extra-key"])
def test_bad_values_name_the_key(table: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace("[", r"\[").replace("]", r"\]")):
        parse_ci_table(table, "provenance.toml")


def test_every_command_validates_the_ci_table(tmp_path: Path) -> None:
    cfg = tmp_path / "provenance.toml"
    cfg.write_text('paraphrase = 0.6\n[ci]\nfail-on = "copy"\n', encoding="utf-8")
    assert load_settings(str(cfg)).paraphrase == 0.6  # the table is no unknown setting
    cfg.write_text('[ci]\nfail_on = "sometimes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="ci.fail_on"):
        load_settings(str(cfg))


def test_discovery_prefers_provenance_toml_then_pyproject_with_a_table(tmp_path: Path) -> None:
    assert find_config(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert find_config(tmp_path) is None  # no [tool.provenance]: not a configuration
    (tmp_path / "pyproject.toml").write_text('[tool.provenance.ci]\nfail-on = "copy"\n', encoding="utf-8")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    settings, table, found = load_ci_config(None, ("paraphrase=0.6",), tmp_path)
    assert table == {"fail_on": "copy"} and settings.paraphrase == 0.6 and found.endswith("pyproject.toml")
    (tmp_path / "provenance.toml").write_text("[ci]\n", encoding="utf-8")
    assert find_config(tmp_path) == tmp_path / "provenance.toml"


def test_explicit_config_wins_over_discovery(tmp_path: Path) -> None:
    (tmp_path / "provenance.toml").write_text('[ci]\nfail-on = "copy"\n', encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text('[ci]\nfail-on = "partial"\n', encoding="utf-8")
    _, table, found = load_ci_config(str(other), (), tmp_path)
    assert table["fail_on"] == "partial" and found == str(other)


@pytest.mark.parametrize("policy, expected", [
    (Policy(), ("failing", None)),
    (Policy(fail_on="copy"), ("reported", None)),
    (Policy(allow_outlets=("reuters",)), ("licensed", "outlet 'reuters' in the licence allowlist")),
    (Policy(allow_sources=("wire/*",)), ("licensed", "source 'wire/*' in the licence allowlist")),
    (Policy(common_outlets=("Reuters",)), ("common", "outlet 'Reuters' in the common sources")),
    (Policy(allow_outlets=("Reuters",), waivers=(Waiver("new/*", "wire/1.txt", "ok by legal"),)),
     ("waived", "ok by legal")),
    (Policy(waivers=(Waiver("other/*", "wire/1.txt", "not this article"),)), ("failing", None)),
    (Policy(waivers=(Waiver("story.txt", "Reuters", "by outlet"),)), ("waived", "by outlet")),
], ids=["default", "below-fail-on", "outlet-allowlist", "source-glob", "common", "waiver-first",
        "waiver-other-article", "waiver-by-outlet-and-id"])
def test_classification(policy: Policy, expected: tuple) -> None:
    assert policy.classify("story.txt", "new/story.txt", finding()) == expected


@pytest.mark.parametrize("pattern, path, doc_id, ignored", [
    ("drafts", "new/drafts/a.txt", "drafts/a.txt", True),
    ("new/drafts/", "new/drafts/a.txt", "drafts/a.txt", True),
    ("*.md", "new/a.md", "a.md", True),
    ("drafts", "new/drafted.txt", "drafted.txt", False),
    ("./new/a.txt", "new/a.txt", "a.txt", True),
])
def test_ignore_patterns(pattern: str, path: str, doc_id: str, ignored: bool) -> None:
    assert Policy(ignore=(pattern,)).ignores(path, doc_id) is ignored


def test_the_example_configuration_is_valid() -> None:
    from .conftest import ROOT

    example = ROOT / "examples" / "provenance.toml"
    settings, table, _ = load_ci_config(str(example))
    policy = Policy.from_config(table)
    assert settings.count_quotes is True and policy.fail_on == "paraphrase"
    assert policy.waivers and all(w.reason for w in policy.waivers)
