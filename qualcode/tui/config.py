"""The user's config file: default coder and key bindings.

``$QUALCODE_CONFIG`` or ``~/.config/qualcode/config.toml``::

    coder = "ana"

    [keys]                       # binding id = keys (comma-separated); ids are listed by ?
    "coding.next" = "j,down,space"
    "coding.undo" = "ctrl+z"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.core.errors import InputError


@dataclass
class Config:
    coder: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    path: str | None = None


def config_path() -> Path:
    env = os.environ.get("QUALCODE_CONFIG")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "qualcode" / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(path, f"not a valid config file ({err})") from None
    unknown = set(data) - {"coder", "keys"}
    if unknown:
        raise InputError(path, f"unknown setting '{sorted(unknown)[0]}' (settings: coder, keys)")
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise InputError(path, '[keys] maps binding ids to key names, e.g. "coding.next" = "j"')
    coder = data.get("coder")
    if coder is not None and not isinstance(coder, str):
        raise InputError(path, "coder must be a name in quotes")
    return Config(coder=coder, keys=dict(keys), path=str(path))
