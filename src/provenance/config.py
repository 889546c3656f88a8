"""Settings from a configuration file and `--set KEY=VALUE` options (which override the file).

The file is `provenance.toml` (top-level keys) or `pyproject.toml` (the `[tool.provenance]`
table). Keys use dashes or underscores. Unknown keys and bad values are ConfigErrors naming the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings import Settings

_SETTING_TYPES = {f.name: f.type for f in fields(Settings) if f.name != "extra"}


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
        raise ConfigError(f"setting {key.replace('_', '-')!r}: {raw!r} is not a valid {kind}") from None
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
    if p.name == "pyproject.toml":
        data = data.get("tool", {}).get("provenance", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the provenance configuration must be a table")
    return data


def settings_from_mapping(data: dict[str, Any], where: str = "configuration",
                          allowed_extra: frozenset[str] = frozenset()) -> Settings:
    """Settings from a mapping of setting names; keys in `allowed_extra` go to Settings.extra."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key in allowed_extra:
            extra[key] = value
            continue
        if key not in _SETTING_TYPES:
            raise ConfigError(f"{where}: unknown key {raw_key!r}")
        kind = str(_SETTING_TYPES[key])
        ok = (kind == "bool" and isinstance(value, bool)) or \
             (kind == "int" and isinstance(value, int) and not isinstance(value, bool)) or \
             (kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{where}: key {raw_key!r} must be a {kind}, got {value!r}")
        values[key] = float(value) if kind == "float" else value
    try:
        return Settings(**values, extra=extra)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_settings(config: str | None, options: tuple[str, ...] = (),
                  allowed_extra: frozenset[str] = frozenset()) -> Settings:
    """Settings from an optional config file, then `KEY=VALUE` overrides."""
    data: dict[str, Any] = read_config_file(config) if config else {}
    for option in options:
        if "=" not in option:
            raise ConfigError(f"--set expects KEY=VALUE, got {option!r}")
        raw_key, raw = option.split("=", 1)
        key = raw_key.strip().replace("-", "_")
        if key not in _SETTING_TYPES:
            raise ConfigError(f"--set: unknown setting {raw_key.strip()!r}")
        data[key] = _coerce(key, raw.strip())
    return settings_from_mapping(data, config or "--set", allowed_extra)
