"""Reading a REFI-QDA file from disk: a ``.qdpx`` archive, a bare ``.qde`` or a ``.qdc``.

Only what the import needs is read: the one ``.qde`` (any name, any folder) and the texts its
sources name, looked up by name inside the archive (``sources/`` in any case, ``plainTextPath``
with or without ``internal://``), or for a bare ``.qde`` in the ``sources/`` folder beside it.
Paths that point outside (``..``, ``absolute://``, ``relative://``) are not followed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from qualcode.core.errors import InputError
from qualcode.exchange.refi.model import RefiFile, count_codings, read_refi
from qualcode.exchange.refi.safety import (
    DEFAULT_LIMITS,
    Archive,
    Limits,
    parse_xml,
    read_file_capped,
)

_ZIP_MAGIC = b"PK\x03\x04"
_EXTERNAL = ("relative://", "absolute://", "file:", "http://", "https://")


@dataclass
class Loaded:
    refi: RefiFile
    read_text: Callable[[str], tuple[bytes | None, str]]  # plainTextPath -> (bytes, why not)
    xml_codings: int


def load(path: Path, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read a ``.qdpx``, ``.qde`` or ``.qdc`` (checked for safety, see ``safety.py``)."""
    if path.is_dir():
        raise InputError(path, "is a directory, not a REFI-QDA file")
    if not path.exists():
        raise InputError(path, "file not found")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == _ZIP_MAGIC or path.suffix.lower() == ".qdpx":
        return _load_archive(path, limits)
    data = read_file_capped(path, limits.max_xml_bytes)
    root = parse_xml(data, path)
    refi = read_refi(root, str(path))
    folder = path.parent

    def read_text(value: str) -> tuple[bytes | None, str]:
        name = _internal_name(value)
        if name is None:
            return None, f"external file '{value}' is not read (only texts inside the project)"
        base = PurePosixPath(name).name
        for candidate in (folder / "sources" / base, folder / "Sources" / base, folder / base):
            if candidate.is_file() and not candidate.is_symlink():
                return read_file_capped(candidate, limits.max_text_bytes), ""
        return None, f"text file '{value}' not found beside {path.name} (in sources/)"

    return Loaded(refi, read_text, count_codings(root))


def _load_archive(path: Path, limits: Limits) -> Loaded:
    with Archive(path, limits) as archive:
        names = [
            n
            for n in archive.names()
            if n.lower().endswith(".qde")
            and not n.startswith("__MACOSX/")
            and not PurePosixPath(n).name.startswith("._")
        ]
        if not names:
            raise InputError(path, "no .qde project file inside the archive")
        if len(names) > 1:
            raise InputError(
                path,
                f"the archive holds {len(names)} .qde files ({', '.join(names)}); expected one",
            )
        qde = names[0]
        root = parse_xml(archive.read(qde, limits.max_xml_bytes), f"{path}:{qde}")
        refi = read_refi(root, f"{path}:{qde}")
        base = str(PurePosixPath(qde).parent)
        base = "" if base == "." else base + "/"
        by_lower = {n.lower(): n for n in archive.names()}
        in_sources: dict[str, str] = {}
        for n in archive.names():
            parent = PurePosixPath(n).parent.name.lower()
            if parent == "sources":
                in_sources.setdefault(PurePosixPath(n).name.lower(), n)
        texts: dict[str, tuple[bytes | None, str]] = {}
        for source in refi.sources:
            value = source.plain_text_path
            if value is None or value in texts:
                continue
            name = _internal_name(value)
            if name is None:
                texts[value] = (None, f"external file '{value}' is not read")
                continue
            found = None
            for candidate in (name, base + name, base + "sources/" + name, "sources/" + name):
                found = by_lower.get(candidate.lower())
                if found:
                    break
            found = found or in_sources.get(PurePosixPath(name).name.lower())
            if found is None:
                texts[value] = (None, f"text file '{value}' is missing from the archive")
            else:
                texts[value] = (archive.read(found, limits.max_text_bytes), "")

    def read_text(value: str) -> tuple[bytes | None, str]:
        return texts.get(value, (None, f"text file '{value}' is missing from the archive"))

    return Loaded(refi, read_text, count_codings(root))


def _internal_name(value: str) -> str | None:
    """The file name inside the project that a ``plainTextPath`` means; None for external ones."""
    clean = value.strip()
    lowered = clean.lower()
    if lowered.startswith("internal://"):
        clean = clean[len("internal://") :]
    elif lowered.startswith(_EXTERNAL):
        return None
    clean = clean.replace("\\", "/").lstrip("/")
    parts = [p for p in PurePosixPath(clean).parts if p not in (".", "")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)
