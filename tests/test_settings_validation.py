"""Settings that cannot work are refused up front: one `provenance: error: ...` line naming the
key in its configuration spelling, exit 2, never a traceback nor a run with a NaN in it.

The same rules hold for the library (Settings, SketchParams: a ConfigError) and the CLI (`--set`,
provenance.toml, pyproject.toml); an index is never created with parameters that fail them.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli
from provenance.errors import ConfigError
from provenance.settings import Settings, SketchParams
from provenance.sketch import lsh_params

from .conftest import A000, A003, SAMPLES, assert_one_error


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# --- the library ----------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("num_perm", 1), ("num_perm", 1025), ("num_perm", 128.0), ("num_perm", True),
    ("passage_num_perm", 1), ("passage_num_perm", 10**6),
    ("doc_threshold", 0.0), ("doc_threshold", 1.0), ("doc_threshold", 1),
    ("doc_threshold", math.nan),
    ("passage_threshold", -0.1), ("passage_threshold", math.inf), ("passage_threshold", "0.3"),
    ("passage_sentences", 0), ("passage_sentences", 65), ("passage_stride", 65),
    ("seed", -1), ("seed", 2**32), ("seed", 123456789012345678901), ("seed", False),
    ("max_candidates", 0), ("max_candidates", 1001),
    ("verbatim", math.nan), ("near_verbatim", True), ("paraphrase", 1.5), ("paraphrase", -math.inf),
    ("copy_coverage", math.nan), ("paraphrase_coverage", 2), ("partial_coverage", None),
    ("switch_cost", math.nan), ("switch_cost", math.inf), ("switch_cost", -0.01),
    ("switch_cost", False),
    ("min_sentence_chars", 0), ("min_passage_sentences", -1), ("partial_passage_chars", 0),
    ("max_article_chars", 0), ("max_article_chars", 50_000_001),
    ("count_quotes", 1), ("count_quotes", "yes"),
])
def test_bad_values_are_config_errors_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"^{key.replace('_', '-')} must be"):
        Settings(**{key: value})
    if key in SketchParams.__dataclass_fields__:
        with pytest.raises(ConfigError, match=f"^{key.replace('_', '-')} must be"):
            SketchParams(**{key: value})


@pytest.mark.parametrize("key, value", [
    ("num_perm", 1024), ("passage_num_perm", 2), ("passage_num_perm", 1024),
    ("doc_threshold", 0.01), ("passage_threshold", 0.9), ("passage_sentences", 64),
    ("passage_stride", 1), ("seed", 0), ("seed", 2**32 - 1), ("max_candidates", 1000),
    ("switch_cost", 0), ("switch_cost", 1e6), ("paraphrase", 0), ("verbatim", 1),
    ("max_article_chars", 50_000_000),
])
def test_limits_are_inclusive_and_what_they_accept_works(key: str, value: object) -> None:
    settings = Settings(**{key: value})
    params = settings.sketch_params()
    # What validation lets through, the LSH can band.
    assert lsh_params(params.doc_threshold, params.num_perm)[0] >= 2
    assert lsh_params(params.passage_threshold, params.passage_num_perm)[0] >= 2


def test_the_defaults_are_unchanged_and_valid() -> None:
    s = Settings()
    assert (s.num_perm, s.passage_num_perm, s.doc_threshold, s.passage_threshold, s.seed,
            s.max_candidates, s.switch_cost, s.max_article_chars) == (128, 64, 0.5, 0.25, 1, 50,
                                                                      0.08, 5_000_000)
    assert s.sketch_params() == SketchParams()
    assert Settings(**s.to_dict()) == s


def test_thresholds_and_permutations_the_lsh_cannot_band() -> None:
    # Each value is in range; together they leave datasketch's optimiser a single band.
    with pytest.raises(ConfigError, match="passage-threshold 0.99 with passage-num-perm 4"):
        Settings(passage_threshold=0.99, passage_num_perm=4)
    with pytest.raises(ConfigError, match="doc-threshold 0.5 with num-perm 2"):
        SketchParams(num_perm=2)


def test_a_bad_sketch_parameter_is_also_a_value_error() -> None:
    # Stored parameters of a Redis index are read under `except ValueError`: a bad one must
    # be caught there and reported as a damaged index, not escape as a usage error.
    with pytest.raises(ValueError):
        SketchParams(seed=-1)


# --- the CLI: --set -------------------------------------------------------------------------------

@pytest.mark.parametrize("option, fragment", [
    ("switch-cost=nan", "switch-cost must be a finite number"),
    ("switch-cost=inf", "switch-cost"),
    ("seed=-1", "seed must be an integer from 0 to 4,294,967,295"),
    ("seed=123456789012345678901", "seed must be an integer"),
    ("passage-num-perm=1", "passage-num-perm must be an integer from 2 to 1,024"),
    ("doc-threshold=1", "doc-threshold must be a number strictly between 0 and 1"),
    ("doc-threshold=0", "doc-threshold"),
    ("num-perm=1000000", "num-perm must be an integer from 2 to 1,024"),
    ("max_candidates=5000", "max-candidates"),
    ("max-article-chars=100000000", "max-article-chars"),
    ("passage-sentences=1000", "passage-sentences"),
    ("paraphrase=nan", "paraphrase must be a number in [0, 1]"),
    ("count-quotes=maybe", "count-quotes"),
    ("num-perm=" + "9" * 5000, "num-perm"),
])
def test_bad_set_option_exits_2_with_one_line(option: str, fragment: str) -> None:
    line = assert_one_error(run("check", A000, "--against", SAMPLES, "--set", option), 2, fragment)
    assert len(line) < 300  # a 5,000-digit value is not echoed whole


@pytest.mark.parametrize("option, fragment", [
    ("pasage-threshold=0.3",
     "unknown setting 'pasage-threshold' (did you mean 'passage-threshold'?)"),
    ("max_candidatse=3", "(did you mean 'max_candidates'?)"),  # the user's spelling
    ("allow-outlets=Reuters", "a key of the ci policy"),
    ("no_such_knob=1", "unknown setting 'no_such_knob'"),
])
def test_unknown_setting_suggests_the_likely_one(option: str, fragment: str) -> None:
    assert_one_error(run("check", A000, "--against", SAMPLES, "--set", option), 2, fragment)


def test_index_is_not_created_with_parameters_that_cannot_work(tmp_path: Path) -> None:
    index = tmp_path / "sub" / "index.db"
    for option in ("passage-num-perm=1", "doc-threshold=1", "seed=-1"):
        assert_one_error(run("index", "add", A003, "--index", index, "--set", option), 2,
                         option.split("=")[0])
    assert not index.exists() and not index.parent.exists()


def test_switch_cost_nan_never_reaches_a_report() -> None:
    result = run("check", A000, "--against", SAMPLES, "--format", "json", "--set",
                 "switch-cost=nan")
    assert result.stdout == ""
    assert_one_error(result, 2, "switch-cost")


# --- the CLI: configuration files -----------------------------------------------------------------

@pytest.mark.parametrize("name, content, fragment", [
    pytest.param("provenance.toml", "paraphrase = " + "[" * 10_000 + "]" * 10_000 + "\n",
                 "nested too deeply", id="arrays-10000-deep"),
    pytest.param("provenance.toml", "x = " + "{a = " * 10_000 + "1" + "}" * 10_000 + "\n",
                 "nested too deeply", id="inline-tables-10000-deep"),
    pytest.param("provenance.toml", ".".join(["paraphrase"] * 10_000) + " = 1\n",
                 "key 'paraphrase' must be a float", id="dotted-keys-10000-deep"),
    pytest.param("pyproject.toml", "tool = 5\n", "key 'tool' must be a table", id="tool-5"),
    pytest.param("pyproject.toml", "[tool]\nprovenance = 5\n", "must be a table",
                 id="tool-provenance-5"),
    pytest.param("provenance.toml", "switch-cost = nan\n", "switch-cost", id="toml-nan"),
    pytest.param("provenance.toml", "seed = -1\n", "seed must be", id="toml-seed"),
    pytest.param("provenance.toml", "paraphrase = 1" + "0" * 400 + "\n", "paraphrase",
                 id="toml-huge-integer"),
    pytest.param("provenance.toml", "num-perm = true\n", "num-perm", id="toml-bool"),
    pytest.param("provenance.toml", "pasage-threshold = 0.3\n",
                 "(did you mean 'passage-threshold'?)", id="toml-misspelt"),
    pytest.param("provenance.toml", 'allow-outlets = ["Reuters"]\n', "put it in the [ci] table",
                 id="toml-ci-key-at-top"),
    pytest.param("provenance.toml", '[ci]\nallow-outlet = ["Reuters"]\n',
                 "(did you mean 'ci.allow-outlets'?)", id="toml-ci-misspelt"),
    pytest.param("provenance.toml", "[ci]\nswitch-cost = 0.1\n", "put it outside the [ci] table",
                 id="toml-setting-in-ci"),
    pytest.param("provenance.toml", 'ci = {ignore = ["' + "x" * 100_000 + '", 5]}\n',
                 "ci.ignore", id="toml-huge-value"),
])
def test_bad_configuration_file_exits_2_with_one_line(tmp_path: Path, name: str, content: str,
                                                      fragment: str) -> None:
    config = tmp_path / name
    config.write_text(content, encoding="utf-8")
    line = assert_one_error(run("check", A000, "--against", SAMPLES, "--config", config), 2,
                            str(config), fragment)
    assert len(line) < 500


def test_ci_discovers_a_pyproject_whose_tool_is_not_a_table(tmp_path: Path, monkeypatch) -> None:
    # Discovery skips a pyproject.toml without [tool.provenance]: defaults, no error.
    (tmp_path / "pyproject.toml").write_text("tool = 5\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("ci", A000, "--against", SAMPLES, "--jobs", "1")
    assert "Traceback" not in result.output + result.stderr
    assert "provenance: error:" not in result.stderr
