"""Reading untrusted REFI-QDA files: zip archives with limits, and XML without entities.

A ``.qdpx`` comes from another program or another person, so nothing in it is trusted:

- XML is parsed with defusedxml and any DTD is refused, so there are no external entities (XXE)
  and no entity-expansion bombs ("billion laughs"). A REFI-QDA file never needs a DTD.
- The archive is never extracted to disk. Entries are read into memory by name; an entry whose
  name would escape the folder it was unpacked into (``../``, an absolute path, a drive letter)
  makes the whole file refused, because a file that tries it is not an honest export.
- Zip bombs: the number of entries and each entry's declared size are checked before anything
  is inflated, and every read streams with a running limit, because declared sizes can lie.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as safe_et

from qualcode.core.errors import InputError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much an import may inflate. The defaults fit projects far larger than real ones: a
    project of a million codings has a ``project.qde`` of 660 MB. Nothing is held whole (the
    document is parsed as it is inflated, a text is dropped once written), so past memory these
    caps bound the time a hostile file can take."""

    max_entries: int = 100_000
    max_xml_bytes: int = 2048 * MiB  # the project.qde / .qdc
    max_text_bytes: int = 128 * MiB  # one source's plain text
    max_total_bytes: int = 4096 * MiB  # everything read from one archive


DEFAULT_LIMITS = Limits()
_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """True if a zip entry name would land outside the folder it is unpacked into."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or _DRIVE.match(clean) or "\x00" in clean:
        return True
    return ".." in PurePosixPath(clean).parts


class Archive:
    """A ``.qdpx`` opened for reading: names checked, sizes capped, nothing written to disk."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
        self.read_total = 0
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            raise InputError(path, f"not a readable .qdpx (zip) archive ({err})") from None
        infos = self.zip.infolist()
        if len(infos) > limits.max_entries:
            self.close()
            raise InputError(
                path,
                f"refused: the archive has {len(infos)} entries (the limit is "
                f"{limits.max_entries}); possible zip bomb",
            )
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.counted: set[str] = set()  # entries already counted towards max_total_bytes
        for info in infos:
            if unsafe_name(info.filename):
                self.close()
                raise InputError(
                    path,
                    f"refused: archive entry '{info.filename}' points outside the archive "
                    "(zip slip)",
                )
            if not info.is_dir():
                self.entries[info.filename.replace("\\", "/")] = info

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        return sorted(self.entries)

    def read(self, name: str, cap: int) -> bytes:
        """The bytes of entry ``name``, refusing more than ``cap`` (or the archive's total cap)."""
        with self.open(name, cap) as stream:
            return stream.read()

    @contextmanager
    def open(self, name: str, cap: int) -> Iterator[IO[bytes]]:
        """Entry ``name`` as a stream that refuses to inflate past ``cap`` (or the archive's
        total cap). An entry counts towards the total once: reading it again in a later pass
        (the import reads ``project.qde`` more than once, and each text twice) is not more
        data, and is still capped at ``cap``."""
        info = self.entries[name]
        again = name in self.counted
        limit = cap if again else min(cap, self.limits.max_total_bytes - self.read_total)
        if info.file_size > limit:
            raise InputError(
                self.path,
                f"refused: entry '{name}' declares {info.file_size} bytes uncompressed, over the "
                f"limit of {limit}; possible zip bomb",
            )
        try:
            raw = self.zip.open(info)
        except Exception as err:  # an encrypted entry, a damaged header
            raise InputError(self.path, f"cannot read entry '{name}' ({err})") from None
        stream = _Capped(raw, self.path, name, limit)
        try:
            yield cast(IO[bytes], stream)
        finally:
            raw.close()
        if not again:
            self.counted.add(name)
            self.read_total += stream.size


class _Capped(io.RawIOBase):
    """A zip entry's stream that stops at a limit, because declared sizes can lie, and that
    reports a damaged entry (a bad CRC, a broken deflate stream) as the file's fault."""

    def __init__(self, raw: IO[bytes], path: Path, name: str, limit: int) -> None:
        super().__init__()
        self.raw, self.path, self.name, self.limit = raw, path, name, limit
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self.read(_CHUNK):
                chunks.append(chunk)
            return b"".join(chunks)
        try:
            data: bytes = self.raw.read(min(size, _CHUNK))
        except Exception as err:
            raise InputError(self.path, f"cannot read entry '{self.name}' ({err})") from None
        self.size += len(data)
        if self.size > self.limit:
            raise InputError(
                self.path,
                f"refused: entry '{self.name}' inflates past the limit of {self.limit} bytes; "
                "possible zip bomb",
            )
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_file_capped(path: Path, cap: int) -> bytes:
    """A plain file's bytes, refusing a file larger than ``cap``."""
    check_size(path, cap)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a REFI-QDA file") from None
    except OSError as err:
        raise InputError(path, f"cannot read ({err.strerror or err})") from None


def check_size(path: Path, cap: int) -> None:
    """Refuse a plain file larger than ``cap`` before reading it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as err:
        raise InputError(path, f"cannot read ({err.strerror or err})") from None
    if size > cap:
        raise InputError(path, f"refused: {size} bytes, over the limit of {cap}")


def parse_xml(data: bytes, where: str | Path) -> Element:
    """Parse XML safely: no DTD, no entities, no external references; errors name the file."""
    with _xml_errors(where):
        root: Any = safe_et.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    return root  # type: ignore[no-any-return]


def iter_xml(stream: IO[bytes], where: str | Path) -> Iterator[tuple[str, Element]]:
    """``("start" | "end", element)`` events of XML read from ``stream`` as it is parsed, with
    the same protections and one-line errors as ``parse_xml``; for documents too large to hold
    as one tree (the caller drops what it has read)."""
    with _xml_errors(where):
        yield from safe_et.iterparse(
            stream,
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        )


@contextmanager
def _xml_errors(where: str | Path) -> Iterator[None]:
    try:
        yield
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden) as err:
        raise InputError(
            where,
            f"refused: the XML declares a DTD or entities ({type(err).__name__}); a REFI-QDA "
            "file needs none (possible XXE or entity-expansion bomb)",
        ) from None
    except defusedxml.ExternalReferenceForbidden:
        raise InputError(where, "refused: the XML refers to an external resource (XXE)") from None
    except ParseError as err:
        line, column = getattr(err, "position", (None, None))
        reason = str(err).split(":")[0]
        raise InputError(where, f"not well-formed XML ({reason})", line) from None
    except RecursionError:
        raise InputError(where, "refused: the XML is nested too deeply") from None
