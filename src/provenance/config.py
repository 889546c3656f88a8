"""Settings from a configuration file and `--set KEY=VALUE` options (which override the file).

The file is `provenance.toml` (top-level keys) or `pyproject.toml` (the `[tool.provenance]`
table). Keys use dashes or underscores. Unknown keys and bad values are ConfigErrors naming the key.

The `ci` sub-table (`[ci]` in provenance.toml, `[tool.provenance.ci]` in pyproject.toml) holds
the policy of the `provenance ci` gate; every command validates it, only `ci` acts on it:

    [tool.provenance.ci]
    fail-on = "paraphrase"              # copy | paraphrase | partial
    allow-outlets = ["Reuters"]         # licensed reuse: reported, never a failure
    allow-sources = ["wire/*"]          # the same, by source id (globs)
    common-outlets = ["White House"]    # sources everyone may quote: listed apart
    common-sources = ["press/*"]
    ignore = ["drafts/*"]               # article paths or ids (globs) not checked
    jobs = 4                            # worker processes (default: all cores)

    [[tool.provenance.ci.waivers]]      # a finding a person reviewed
    article = "2024/05/story.txt"       # article id or path (glob)
    source = "wire/123.txt"             # source id (glob) or outlet
    reason = "licensed reprint, agreed with legal on 2024-05-02"

An `[outlets]` table (`[tool.provenance.outlets]`) adds other names of outlets, for credit lines
and datelines: `APP = ["Associated Press of Pakistan", "اے پی پی"]`.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings import FAIL_LEVELS, Settings, short_repr

_SETTING_TYPES = {f.name: f.type for f in fields(Settings)}
CONFIG_NAMES = ("provenance.toml", "pyproject.toml")
CI_TABLE = "ci"
OUTLETS_TABLE = "outlets"  # outlet = [other names]: read by text.outlet_names
# Outlet aliases from configuration files, added to text.OUTLET_ALIASES (which reads this
# table; configuration depends on no stage of the pipeline).
EXTRA_OUTLET_ALIASES: dict[str, tuple[str, ...]] = {}


def register_outlet_aliases(table: dict[str, list[str]]) -> None:
    """Add outlets and their other names (an [outlets] table) for credit lines and datelines."""
    for name, aliases in table.items():
        EXTRA_OUTLET_ALIASES[name] = tuple(dict.fromkeys((*EXTRA_OUTLET_ALIASES.get(name, ()), *aliases)))
CI_LIST_KEYS = ("allow_sources", "allow_outlets", "common_sources", "common_outlets", "ignore")
WAIVER_KEYS = ("article", "source", "reason")
CI_KEYS = ("fail_on", "jobs", "waivers", *CI_LIST_KEYS)


def _unknown(raw_key: str, known: Iterable[str], elsewhere: Iterable[str] = (),
             elsewhere_hint: str = "", prefix: str = "") -> str:
    """Why a key is unknown, for the error message: ` (did you mean 'x'?)` for a misspelling
    (in the user's spelling, dashes or underscores), `elsewhere_hint` for a key that belongs
    in another table, or nothing."""
    key = raw_key.replace("-", "_")
    if key in elsewhere:
        return f" ({elsewhere_hint})"
    matches = difflib.get_close_matches(key, list(known), n=2, cutoff=0.75)
    if not matches:
        return ""
    underscores = "_" in raw_key and "-" not in raw_key
    names = " or ".join(repr(prefix + (m if underscores else m.replace("_", "-"))) for m in matches)
    return f" (did you mean {names}?)"


def _coerce(key: str, raw: str) -> Any:
    kind = str(_SETTING_TYPES[key])
    try:
        if kind == "bool":
            if raw.lower() in ("true", "yes", "1", "on"):
                return True
            if raw.lower() in ("false", "no", "0", "off"):
                return False
            raise ValueError
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigError(f"setting {key.replace('_', '-')!r}: {short_repr(raw)} is not a valid "
                          f"{kind}") from None
    return raw


def read_config_file(path: str | Path) -> dict[str, Any]:
    """The provenance table of a TOML file (top level of provenance.toml)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read configuration: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: a few hundred levels
        # exhaust the stack.
        raise ConfigError(f"{p}: invalid TOML: arrays or tables nested too deeply") from None
    if p.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{p}: key 'tool' must be a table, got {short_repr(tool)}")
        data = tool.get("provenance", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the provenance configuration must be a table")
    return data


def settings_from_mapping(data: dict[str, Any], where: str = "configuration") -> Settings:
    """Settings from a mapping of setting names."""
    values: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key == CI_TABLE:
            parse_ci_table(value, where)  # validated by every command, used by `ci` alone
            continue
        if key == OUTLETS_TABLE:
            register_outlet_aliases(parse_outlets_table(value, where))
            continue
        if key not in _SETTING_TYPES:
            hint = _unknown(raw_key, _SETTING_TYPES, CI_KEYS,
                            f"a key of the ci policy: put it in the [{CI_TABLE}] table")
            raise ConfigError(f"{where}: unknown key {short_repr(raw_key)}{hint}")
        kind = str(_SETTING_TYPES[key])
        ok = (kind == "bool" and isinstance(value, bool)) or \
             (kind == "int" and isinstance(value, int) and not isinstance(value, bool)) or \
             (kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{where}: key {raw_key!r} must be a {kind}, got {short_repr(value)}")
        if kind == "float" and isinstance(value, int) and abs(value) > 2**53:
            # float() of a huge TOML integer overflows; no float setting is anywhere near it.
            raise ConfigError(f"{where}: key {raw_key!r} is out of range, got {short_repr(value)}")
        values[key] = float(value) if kind == "float" else value
    try:
        return Settings(**values)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def parse_outlets_table(table: Any, where: str = "configuration") -> dict[str, list[str]]:
    """The [outlets] table: outlet name -> list of its other names (aliases, other scripts),
    e.g. `APP = ["Associated Press of Pakistan", "اے پی پی"]`. A credit or dateline naming an
    alias credits the outlet (text.credits_outlet)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: key '{OUTLETS_TABLE}' must be a table of outlet = [aliases]")
    out: dict[str, list[str]] = {}
    for name, aliases in table.items():
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ConfigError(f"{where}: outlets.{name} must be a list of names, "
                              f"got {short_repr(aliases)}")
        out[str(name)] = [a.strip() for a in aliases]
    return out


def load_settings(config: str | None, options: tuple[str, ...] = ()) -> Settings:
    """Settings from an optional config file, then `KEY=VALUE` overrides."""
    data: dict[str, Any] = read_config_file(config) if config else {}
    for option in options:
        if "=" not in option:
            raise ConfigError(f"--set expects KEY=VALUE, got {short_repr(option)}")
        raw_key, raw = option.split("=", 1)
        key = raw_key.strip().replace("-", "_")
        if key not in _SETTING_TYPES:
            hint = _unknown(raw_key.strip(), _SETTING_TYPES, CI_KEYS,
                            f"a key of the ci policy, set in the [{CI_TABLE}] table of the "
                            "configuration file")
            raise ConfigError(f"--set: unknown setting {short_repr(raw_key.strip())}{hint}")
        data[key] = _coerce(key, raw.strip())
    return settings_from_mapping(data, config or "--set")


def parse_ci_table(table: Any, where: str = "configuration") -> dict[str, Any]:
    """The validated `ci` policy table, keys with underscores; absent keys are absent.

    Raises ConfigError naming the key (as `ci.KEY`) for unknown keys and bad values.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: key 'ci' must be a table")
    policy: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        name = f"ci.{raw_key}"
        if key == "fail_on":
            if value not in FAIL_LEVELS:
                raise ConfigError(f"{where}: key {name!r} must be one of {', '.join(FAIL_LEVELS)}, "
                                  f"got {short_repr(value)}")
            policy[key] = value
        elif key == "jobs":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{where}: key {name!r} must be a positive integer, "
                                  f"got {short_repr(value)}")
            policy[key] = value
        elif key in CI_LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigError(f"{where}: key {name!r} must be a list of non-empty strings, "
                                  f"got {short_repr(value)}")
            policy[key] = [v.strip() for v in value]
        elif key == "waivers":
            policy[key] = [_waiver(entry, f"{name}[{i}]", where) for i, entry in enumerate(_as_list(value, name, where))]
        else:
            hint = _unknown(raw_key, CI_KEYS, _SETTING_TYPES,
                            f"a setting: put it outside the [{CI_TABLE}] table", f"{CI_TABLE}.")
            raise ConfigError(f"{where}: unknown key {short_repr(name)}{hint}")
    return policy


def _as_list(value: Any, name: str, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: key {name!r} must be a list of tables (use [[...waivers]])")
    return value


def _waiver(entry: Any, name: str, where: str) -> dict[str, str]:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: {name} must be a table with article, source and reason")
    for key in entry:
        if key not in WAIVER_KEYS:
            raise ConfigError(f"{where}: unknown key {short_repr(f'{name}.{key}')} (a waiver has "
                              "article, source, reason)")
    for key in WAIVER_KEYS:
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: key {f'{name}.{key}'!r} must be a non-empty string"
                              + (" (a waiver needs a reason)" if key == "reason" else ""))
    return {key: entry[key].strip() for key in WAIVER_KEYS}


def find_config(directory: str | Path = ".") -> Path | None:
    """The configuration file of `directory`: provenance.toml, else a pyproject.toml that has
    a [tool.provenance] table, else None."""
    base = Path(directory)
    candidate = base / "provenance.toml"
    if candidate.is_file():
        return candidate
    candidate = base / "pyproject.toml"
    if candidate.is_file():
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{candidate}: cannot read configuration: {exc}") from None
        except RecursionError:
            raise ConfigError(f"{candidate}: invalid TOML: arrays or tables nested too deeply"
                              ) from None
        if isinstance(data.get("tool"), dict) and "provenance" in data["tool"]:
            return candidate
    return None


def load_ci_config(config: str | None, options: tuple[str, ...] = (), directory: str | Path = "."
                   ) -> tuple[Settings, dict[str, Any], str | None]:
    """Settings, the validated `ci` policy table and the file they came from.

    The file is `config` if given, else the one find_config finds in `directory` (none: defaults).
    `--set KEY=VALUE` options override the file's settings.
    """
    found = config or (str(p) if (p := find_config(directory)) else None)
    data = read_config_file(found) if found else {}
    policy = parse_ci_table(data[CI_TABLE], found or "configuration") if CI_TABLE in data else {}
    return load_settings(found, options), policy, found
