"""The pre-commit hook and the example GitHub Actions workflow, exercised offline: the hook's
entry runs on the files a real git repository has staged, the workflow's command runs as the
workflow would run it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from provenance.cli import cli

from .conftest import A000, A003, A004, ROOT, require_program

HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = ROOT / "examples" / "github-workflow.yml"
BIN = Path(sys.executable).parent  # where the `provenance` console script is installed


def load_hooks() -> list[dict]:
    try:
        import yaml
    except ImportError:  # the hooks file is a flat list of `key: value` items; read it by hand
        return _flat_yaml_list(HOOKS.read_text(encoding="utf-8"))
    return yaml.safe_load(HOOKS.read_text(encoding="utf-8"))


def _flat_yaml_list(text: str) -> list[dict]:
    items: list[dict] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("- "):
            items.append({})
            line = line[2:]
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            items[-1][key] = [v.strip() for v in value[1:-1].split(",") if v.strip()]
        else:
            items[-1][key] = {"true": True, "false": False}.get(value, value)
    return items


def test_hook_definition() -> None:
    (hook,) = load_hooks()
    assert hook["id"] == "provenance" and hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["provenance", "ci"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert "provenance" in scripts  # the entry's program is this package's console script
    pattern = re.compile(hook["files"])
    for name in ("a.txt", "b/c.md", "d.html", "e.htm", "f.jsonl"):
        assert pattern.search(name), name
    for name in ("notes.rst", "a.txt.meta.json", "image.png"):
        assert not pattern.search(name), name


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True, env=env).stdout


def run_hook(repo: Path, args: list[str]) -> subprocess.CompletedProcess:
    """Run the hook as pre-commit does: entry + args + the staged files its `files` selects."""
    (hook,) = load_hooks()
    staged = git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMR").split()
    selected = [f for f in staged if re.search(hook["files"], f)]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([*shlex.split(hook["entry"]), *args, *selected], cwd=repo,
                          capture_output=True, text=True, env=env, timeout=120)


def test_hook_entry_on_staged_files(tmp_path: Path) -> None:
    require_program("git")
    repo = tmp_path / "newsroom"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "archive").mkdir()
    for src in (A000, A003):
        shutil.copyfile(src, repo / "archive" / src.name)
    git(repo, "add", "archive")
    git(repo, "commit", "-q", "-m", "archive")
    (repo / "articles").mkdir()
    text = A003.read_text(encoding="utf-8").replace("futile", "useless", 1)
    (repo / "articles" / "monday.txt").write_text(text, encoding="utf-8")
    shutil.copyfile(A004, repo / "articles" / "tuesday.txt")
    (repo / "articles" / "notes.rst").write_text("not an article\n", encoding="utf-8")
    git(repo, "add", "articles")

    done = run_hook(repo, ["--against", "archive/"])
    assert done.returncode == 1, done.stderr
    assert "articles/monday.txt" in done.stdout and "FAIL" in done.stdout
    assert "notes.rst" not in done.stdout + done.stderr
    assert "2 articles" in done.stdout

    # Only the independent article staged: the hook passes.
    git(repo, "reset", "-q")
    git(repo, "add", "articles/tuesday.txt")
    done = run_hook(repo, ["--against", "archive/"])
    assert done.returncode == 0, done.stdout + done.stderr

    # A staged binary file fails the hook with exit 3, one clear line, no traceback.
    (repo / "articles" / "scan.txt").write_bytes(b"\x00\x01\x02binary")
    git(repo, "add", "articles/scan.txt")
    done = run_hook(repo, ["--against", "archive/"])
    assert done.returncode == 3 and "binary" in done.stdout and "Traceback" not in done.stderr


def workflow_command() -> tuple[dict, list[str]]:
    yaml = pytest.importorskip("yaml", reason="PyYAML is needed to parse the example workflow")
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = flow["jobs"]["provenance"]["steps"]
    (command,) = [s["run"] for s in steps if "provenance ci" in s.get("run", "")]
    return flow, shlex.split(command)


def test_workflow_parses_and_uses_real_options() -> None:
    flow, argv = workflow_command()
    assert "on" in flow or True in flow  # YAML 1.1 reads a bare `on` key as true
    assert argv[:2] == ["provenance", "ci"]
    help_text = CliRunner().invoke(cli, ["ci", "--help"]).output
    for word in argv[2:]:
        if word.startswith("--"):
            assert word in help_text, word
    # Every file the command writes is used by a later step (summary, code scanning, artifact).
    later = WORKFLOW.read_text(encoding="utf-8").split("provenance ci", 1)[1]
    for option in ("--sarif", "--junit", "--json", "--markdown"):
        assert later.count(argv[argv.index(option) + 1]) >= 2, option


def test_workflow_command_runs_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, argv = workflow_command()
    (tmp_path / "archive").mkdir()
    (tmp_path / "articles").mkdir()
    shutil.copyfile(A003, tmp_path / "archive" / A003.name)
    shutil.copyfile(A000, tmp_path / "articles" / "rewrite.txt")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, argv[1:], env={"GITHUB_ACTIONS": "true"}, catch_exceptions=False)
    assert result.exit_code == 1
    assert "::error file=articles/rewrite.txt,line=" in result.stdout
    for name in ("provenance-junit.xml", "provenance.sarif", "provenance.jsonl", "provenance-summary.md"):
        assert (tmp_path / name).stat().st_size > 0
