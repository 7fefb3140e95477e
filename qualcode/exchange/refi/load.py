"""Reading a REFI-QDA file from disk: a ``.qdpx`` archive, a bare ``.qde`` or a ``.qdc``.

Only what the import needs is read: the one ``.qde`` (any name, any folder) and the texts its
sources name, looked up by name inside the archive (``sources/`` in any case, ``plainTextPath``
with or without ``internal://``), or for a bare ``.qde`` in the ``sources/`` folder beside it.
Paths that point outside (``..``, ``absolute://``, ``relative://``) are not followed.

Nothing is held whole: the document is parsed as it is inflated, a text is read when it is
needed, and a second pass gives the sources' selections one source at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from qualcode.core.errors import InputError
from qualcode.exchange.refi.model import RefiTextSource, read_refi_streamed, text_sources_streamed
from qualcode.exchange.refi.safety import (
    DEFAULT_LIMITS,
    Archive,
    Limits,
    check_size,
    iter_xml,
    read_file_capped,
)

_ZIP_MAGIC = b"PK\x03\x04"
_EXTERNAL = ("relative://", "absolute://", "file:", "http://", "https://")


class Loaded:
    """A REFI-QDA file, read once through (``refi``: everything but its text sources'
    selections), kept open so the import can read it again source by source
    (``text_sources``) and read each text when it needs it (``read_text``): a project of
    millions of codings is never held whole. Use it as a context manager."""

    def __init__(
        self,
        where: str,
        open_document: Callable[[], AbstractContextManager[IO[bytes]]],
        read_text: Callable[[str], tuple[bytes | None, str]],
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self.where = where
        self._open_document = open_document
        self.read_text = read_text  # plainTextPath -> (bytes, why not)
        self.close = close
        with open_document() as stream:
            self.refi, self.xml_codings = read_refi_streamed(iter_xml(stream, where), where)

    def __enter__(self) -> Loaded:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def text_sources(self) -> Generator[RefiTextSource, None, None]:
        """The text sources with their selections, one at a time, in the order of
        ``refi.sources`` (the document is parsed again)."""
        with self._open_document() as stream:
            light = iter(self.refi.sources)
            for source in text_sources_streamed(iter_xml(stream, self.where)):
                expected = next(light, None)
                if expected is None or expected.guid != source.guid:
                    raise InputError(self.where, "the file changed while it was read")
                yield source
            if next(light, None) is not None:
                raise InputError(self.where, "the file changed while it was read")


def load(path: Path, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Open a ``.qdpx``, ``.qde`` or ``.qdc`` (checked for safety, see ``safety.py``)."""
    if path.is_dir():
        raise InputError(path, "is a directory, not a REFI-QDA file")
    if not path.exists():
        raise InputError(path, "file not found")
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == _ZIP_MAGIC or path.suffix.lower() == ".qdpx":
        return _load_archive(path, limits)
    check_size(path, limits.max_xml_bytes)
    folder = path.parent

    @contextmanager
    def open_document() -> Iterator[IO[bytes]]:
        try:
            with path.open("rb") as stream:
                yield stream
        except OSError as err:
            raise InputError(path, f"cannot read ({err.strerror or err})") from None

    def read_text(value: str) -> tuple[bytes | None, str]:
        name = _internal_name(value)
        if name is None:
            return None, f"external file '{value}' is not read (only texts inside the project)"
        base = PurePosixPath(name).name
        for candidate in (folder / "sources" / base, folder / "Sources" / base, folder / base):
            if candidate.is_file() and not candidate.is_symlink():
                return read_file_capped(candidate, limits.max_text_bytes), ""
        return None, f"text file '{value}' not found beside {path.name} (in sources/)"

    return Loaded(str(path), open_document, read_text)


def _load_archive(path: Path, limits: Limits) -> Loaded:
    archive = Archive(path, limits)
    try:
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
        base = str(PurePosixPath(qde).parent)
        base = "" if base == "." else base + "/"
        by_lower = {n.lower(): n for n in archive.names()}
        in_sources: dict[str, str] = {}
        for n in archive.names():
            parent = PurePosixPath(n).parent.name.lower()
            if parent == "sources":
                in_sources.setdefault(PurePosixPath(n).name.lower(), n)

        def entry_of(value: str) -> tuple[str | None, str]:
            """The archive entry a ``plainTextPath`` names, or why there is none."""
            name = _internal_name(value)
            if name is None:
                return None, f"external file '{value}' is not read"
            for candidate in (name, base + name, base + "sources/" + name, "sources/" + name):
                found = by_lower.get(candidate.lower())
                if found:
                    return found, ""
            found = in_sources.get(PurePosixPath(name).name.lower())
            if found is None:
                return None, f"text file '{value}' is missing from the archive"
            return found, ""

        def read_text(value: str) -> tuple[bytes | None, str]:
            entry, why = entry_of(value)
            if entry is None:
                return None, why
            return archive.read(entry, limits.max_text_bytes), ""

        return Loaded(
            f"{path}:{qde}",
            lambda: archive.open(qde, limits.max_xml_bytes),
            read_text,
            archive.close,
        )
    except BaseException:
        archive.close()
        raise


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
