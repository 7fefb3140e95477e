"""Writing a project as a REFI-QDA project (``.qdpx``) or codebook (``.qdc``).

The ``.qdpx`` is a zip of ``project.qde`` and ``sources/<guid>.txt`` (each source's stored text,
UTF-8, LF line ends), with:

- coders as ``User``; the codebook tree as ``Code`` (colour, codable, MacQueen fields in the
  ``Description``, see ``fields.py``); informants as ``Case`` with role, pseudonym and
  attributes as ``VariableValue``; sources as ``TextSource``;
- each coding as one ``PlainTextSelection`` (code-point offsets into the text file, as the
  standard says; its first hundred characters as its name; magnitude and memo as its
  description) holding one ``Coding`` by its coder;
- memos as ``Note``, referred to by the project, code, source or coding they are about (a memo on
  an informant is a ``Link`` from the note to the case: a ``Case`` cannot hold a ``NoteRef``);
- source kinds as sets ``kind: interview`` ..., and the sets imported from other programs.

The bytes depend only on the project: entries in a fixed order with a fixed timestamp, rows in a
stable order, GUIDs stored or derived from names (``store.py``).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from qualcode import __version__
from qualcode.core.errors import QualcodeError
from qualcode.exchange.refi.fields import (
    MAGNITUDE_VARIABLE,
    code_description,
    scale_description,
    selection_description,
)
from qualcode.exchange.refi.model import (
    CODEBOOK_NS,
    PROJECT_NS,
    derived_guid,
    is_uuid,
    norm_color,
)
from qualcode.exchange.refi.store import Guids, stored_sets
from qualcode.storage.codes import magnitude_scale
from qualcode.storage.models import Code, Coder, Coding, Informant, Memo, Source
from qualcode.storage.project import Project, get_setting

XSI = "http://www.w3.org/2001/XMLSchema-instance"
PROJECT_SCHEMA = "http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
CODEBOOK_SCHEMA = "http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"
EXCERPT = 100  # characters of the coded text used as a selection's name, as ATLAS.ti does
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ROLE_VARIABLE = "role"
PSEUDONYM_VARIABLE = "pseudonym"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class ExportReport:
    path: Path
    coders: int = 0
    codes: int = 0
    informants: int = 0
    sources: int = 0
    codings: int = 0
    memos: int = 0
    sets: int = 0

    def summary(self) -> str:
        if self.path.suffix.lower() == ".qdc":
            return f"wrote {self.path}: {self.codes} codes, {self.sets} sets"
        return (
            f"wrote {self.path}: {self.coders} coders (users), {self.codes} codes, "
            f"{self.informants} informants (cases), {self.sources} sources, "
            f"{self.codings} codings (selections), {self.memos} memos (notes), {self.sets} sets"
        )


def clean(value: object) -> str:
    """Text XML 1.0 can hold: control characters it forbids become U+FFFD."""
    return _ILLEGAL_XML.sub("\ufffd", str(value))


@lru_cache(maxsize=8192)
def stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


class Element:
    """An XML element to write. Not ElementTree: writing 150,000 of them by hand is 4x faster,
    and the output (attribute order, indentation, escapes) is fixed by this file alone."""

    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, object | None] | None = None) -> None:
        self.tag = tag
        self.attrs = [(k, clean(v)) for k, v in (attrs or {}).items() if v is not None]
        self.children: list[Element] = []
        self.text: str | None = None


def _el(parent: Element, tag: str, attrs: dict[str, object | None] | None = None) -> Element:
    element = Element(tag, attrs)
    parent.children.append(element)
    return element


def _text_el(parent: Element, tag: str, text: str) -> Element:
    element = _el(parent, tag)
    element.text = clean(text)
    return element


def _escape_text(text: str) -> str:
    # A CR is written as a reference: XML parsers turn a literal CR into LF.
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")


def _escape_attr(value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = value.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
    return value.replace("\t", "&#9;")


XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def _write(element: Element, pad: str, out: Callable[[str], object]) -> None:
    """Write ``element`` and what it holds, two-space indented; text-only elements keep their
    text exactly. Children may be a generator (the sources, built one at a time)."""
    attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in element.attrs)
    if element.text is not None:
        out(f"{pad}<{element.tag}{attrs}>{_escape_text(element.text)}</{element.tag}>\n")
    elif element.children:
        out(f"{pad}<{element.tag}{attrs}>\n")
        for child in element.children:
            _write(child, pad + "  ", out)
        out(f"{pad}</{element.tag}>\n")
    else:
        out(f"{pad}<{element.tag}{attrs} />\n")


def serialize(root: Element) -> bytes:
    """The document, UTF-8 (see ``_write``)."""
    out = [XML_DECLARATION]
    _write(root, "", out.append)
    return "".join(out).encode("utf-8")


class _Buffered:
    """Text to a binary stream in chunks: a zip entry compresses at each write, so one write per
    element would be slow, and one write of the whole document would hold it in memory."""

    def __init__(self, stream: IO[bytes], size: int = 1 << 20) -> None:
        self.stream = stream
        self.size = size
        self.parts: list[str] = []
        self.held = 0

    def __call__(self, text: str) -> None:
        self.parts.append(text)
        self.held += len(text)
        if self.held >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.parts:
            self.stream.write("".join(self.parts).encode("utf-8"))
        self.parts, self.held = [], 0


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write the whole file through ``write`` or leave ``path`` as it was."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise QualcodeError(f"{path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def zip_entry(name: str) -> zipfile.ZipInfo:
    """An entry whose bytes depend only on its data: fixed time, mode and compression."""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    # No level is set: zlib's default is level 6, the level these files have always had.
    return info


# --- the project, read once --------------------------------------------------------------------


@dataclass
class _SourceRow:
    """A source without its text, which is read only when it is written."""

    id: int
    name: str
    kind: str
    informant_id: int | None


_CODING_COLUMNS = sa_select(
    col(Coding.id),
    col(Coding.source_id),
    col(Coding.code_id),
    col(Coding.coder_id),
    col(Coding.start),
    col(Coding.end),
    col(Coding.magnitude),
    col(Coding.memo),
    col(Coding.created_at),
    col(Coding.updated_at),
)


class _Snapshot:
    """What an export writes, read from the project in stable orders.

    Everything but the sources' texts and codings is read at once (codes, coders, informants,
    memos: small even in large projects); texts and codings are read one source at a time while
    the file is written (``text_of``, ``codings_of``), so an export never holds them all.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.guids = Guids(session)
        self.name = get_setting(session, "project_name") or "qualcode project"
        self.scale = magnitude_scale(session)
        self.codes = list(session.exec(select(Code).order_by(Code.position, Code.path)))  # type: ignore[arg-type]
        self.code_guid = {
            c.id: c.guid if is_uuid(c.guid) else derived_guid("code", c.path) for c in self.codes
        }
        self.coders = list(session.exec(select(Coder).order_by(Coder.name)))  # type: ignore[arg-type]
        self.coder_guid = {c.id: self.guids.of("coder", c.id, c.name) for c in self.coders}
        self.informants = list(session.exec(select(Informant).order_by(Informant.name)))  # type: ignore[arg-type]
        self.informant_guid = {
            i.id: self.guids.of("informant", i.id, i.name) for i in self.informants
        }
        self.sources: list[_SourceRow] = [
            _SourceRow(*row)
            for row in session.execute(
                sa_select(
                    col(Source.id), col(Source.name), col(Source.kind), col(Source.informant_id)
                ).order_by(col(Source.name))
            )
        ]
        self.source_guid: dict[int | None, str] = {
            s.id: self.guids.of("source", s.id, s.name) for s in self.sources
        }
        self.code_path = {c.id: c.path for c in self.codes}
        self.coder_name = {c.id: c.name for c in self.coders}
        self.kept_sets = stored_sets(session)
        self.memos = list(session.exec(select(Memo)))
        self.coding_guid = self._coding_guids(
            {m.target_id for m in self.memos if m.target == "coding" and m.target_id is not None}
        )
        self.memo_refs: dict[tuple[str, object], list[str]] = defaultdict(list)
        self.notes: list[tuple[str, Memo]] = []
        self.links: list[tuple[str, str]] = []  # (note guid, case guid)
        self._place_memos()

    def coding_key(self, row: Any) -> tuple[str, str, str, int, int]:
        """What a coding's selection and coding GUIDs are derived from (not its id: the GUIDs
        stay the same in a copy of the project)."""
        return (
            self.source_guid[row.source_id],
            self.code_guid[row.code_id],
            self.coder_guid[row.coder_id],
            row.start,
            row.end,
        )

    def _coding_guids(self, ids: set[int]) -> dict[int | None, str]:
        """The coding GUIDs of the codings that memos are about."""
        if not ids:
            return {}
        rows = self.session.execute(_CODING_COLUMNS.where(col(Coding.id).in_(sorted(ids))))
        guids: dict[int | None, str] = {
            row.id: derived_guid("coding", *self.coding_key(row)) for row in rows
        }
        return guids

    def codings_of(self, source_id: int) -> list[Any]:
        """A source's codings in the file's order: by position, then code path, then coder."""
        where = col(Coding.source_id) == source_id
        rows = list(self.session.execute(_CODING_COLUMNS.where(where)))
        code_path, coder_name = self.code_path, self.coder_name
        rows.sort(key=lambda r: (r.start, r.end, code_path[r.code_id], coder_name[r.coder_id]))
        return rows

    def text_of(self, source_id: int) -> str:
        text: str = self.session.execute(
            sa_select(col(Source.text)).where(col(Source.id) == source_id)
        ).scalar_one()
        return text

    def _target_guid(self, memo: Memo) -> str | None:
        tables: dict[str, dict[int | None, str]] = {
            "code": self.code_guid,
            "source": self.source_guid,
            "informant": self.informant_guid,
            "coding": self.coding_guid,
        }
        table = tables.get(memo.target)
        if table is None:
            return None
        return table.get(memo.target_id)

    def _place_memos(self) -> None:
        seen: dict[str, int] = {}
        keyed = []
        for memo in self.memos:
            target = self._target_guid(memo)
            kind = memo.target if target is not None else "project"
            digest = hashlib.sha256(memo.text.encode("utf-8")).hexdigest()
            base = (kind, target or "", memo.title, stamp(memo.created_at) or "", digest)
            keyed.append((base, memo))
        for base, memo in sorted(keyed, key=lambda item: (item[0], item[1].id or 0)):
            count = seen.get(str(base), 0)
            seen[str(base)] = count + 1
            guid = derived_guid("memo", *base, count)
            kind, target = base[0], base[1]
            self.notes.append((guid, memo))
            if kind == "informant":
                self.links.append((guid, target))
            else:
                self.memo_refs[(kind, target or None)].append(guid)
        self.notes.sort(key=lambda item: (stamp(item[1].created_at) or "", item[0]))


# --- .qdpx -------------------------------------------------------------------------------------


def export_qdpx(project: Project, path: Path) -> ExportReport:
    """Write the project to ``path`` as it is read, never whole in memory (see ``write_qdpx``)."""
    with project.read() as session:
        reports: list[ExportReport] = []
        write_atomic(path, lambda fh: reports.append(write_qdpx(session, fh, path)))
    return reports[0]


def build_qdpx(session: Session, path: Path) -> tuple[bytes, ExportReport]:
    """The ``.qdpx`` as bytes (for small projects and tests; ``export_qdpx`` streams)."""
    buffer = io.BytesIO()
    report = write_qdpx(session, buffer, path)
    return buffer.getvalue(), report


def write_qdpx(session: Session, stream: IO[bytes], path: Path) -> ExportReport:
    """Write the ``.qdpx`` zip to ``stream``: ``project.qde`` first, then each source's text.

    The document is written element by element, and the sources one at a time, each with its
    codings and text read just then: memory stays flat however large the project.
    """
    start = stream.tell()
    try:
        return _write_qdpx(session, stream, path, zip64=False)
    except _NeedsZip64:
        # A document over 2 GB (millions of codings) needs a zip64 entry, which must be asked
        # for before its size is known; such a file is written twice.
        stream.seek(start)
        stream.truncate()
        return _write_qdpx(session, stream, path, zip64=True)


class _NeedsZip64(Exception):
    pass


def _write_qdpx(session: Session, stream: IO[bytes], path: Path, zip64: bool) -> ExportReport:
    snap = _Snapshot(session)
    report = ExportReport(path)
    root = Element(
        "Project",
        {
            "xmlns": PROJECT_NS,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{PROJECT_NS} {PROJECT_SCHEMA}",
            "name": snap.name,
            "origin": f"qualcode {__version__}",
        },
    )
    if snap.coders:
        users = _el(root, "Users")
        for coder in snap.coders:
            _el(users, "User", {"guid": snap.coder_guid[coder.id], "name": coder.name})
    report.coders = len(snap.coders)
    if snap.codes:
        codes = _el(_el(root, "CodeBook"), "Codes")
        _codes(codes, snap, notes=True)
    report.codes = len(snap.codes)
    variables = _variables(root, snap)
    _cases(root, snap, variables)
    report.informants = len(snap.informants)
    _sources(root, snap, report)
    report.sources = len(snap.sources)
    if snap.notes:
        notes = _el(root, "Notes")
        for guid, memo in snap.notes:
            note = _el(
                notes,
                "Note",
                {
                    "guid": guid,
                    # REFI-QDA has no memo kinds: a supervisor's memo keeps its mark in its name.
                    "name": memo.title or ("Review memo" if memo.kind == "review" else None),
                    "creatingUser": snap.coder_guid.get(memo.coder_id) if memo.coder_id else None,
                    "creationDateTime": stamp(memo.created_at),
                    "modifiedDateTime": stamp(memo.updated_at),
                },
            )
            _text_el(note, "PlainTextContent", memo.text)
    report.memos = len(snap.notes)
    if snap.links:
        links = _el(root, "Links")
        for note_guid, case_guid in snap.links:
            _el(
                links,
                "Link",
                {
                    "guid": derived_guid("link", note_guid, case_guid),
                    "name": "memo on case",
                    "direction": "OneWay",
                    "originGUID": note_guid,
                    "targetGUID": case_guid,
                },
            )
    report.sets = _sets(root, snap, codebook=False)
    for guid in snap.memo_refs.get(("project", None), []):
        _el(root, "NoteRef", {"targetGUID": guid})
    with zipfile.ZipFile(stream, "w") as archive:
        info = zip_entry("project.qde")
        try:
            with archive.open(info, "w", force_zip64=zip64) as entry:
                out = _Buffered(entry)
                out(XML_DECLARATION)
                _write(root, "", out)
                out.flush()
        except RuntimeError:  # over 2 GiB without zip64 ("File size too large")
            if zip64:
                raise
            raise _NeedsZip64 from None
        # The same rule as ZipFile.writestr, which chose zip64 knowing the size: same bytes.
        if not zip64 and info.file_size * 1.05 > zipfile.ZIP64_LIMIT:
            raise _NeedsZip64
        for guid, source_id in sorted((snap.source_guid[s.id], s.id) for s in snap.sources):
            archive.writestr(zip_entry(f"sources/{guid}.txt"), snap.text_of(source_id).encode())
    return report


def _codes(parent: Element, snap: _Snapshot, *, notes: bool) -> None:
    children: dict[int | None, list[Code]] = defaultdict(list)
    known = {c.id for c in snap.codes}
    for code in snap.codes:
        children[code.parent_id if code.parent_id in known else None].append(code)

    def add(under: Element, code: Code) -> None:
        element = _el(
            under,
            "Code",
            {
                "guid": snap.code_guid[code.id],
                "name": code.name,
                "isCodable": "true" if code.codable else "false",
                "color": norm_color(code.color),
            },
        )
        description = code_description(
            {
                "brief": code.brief,
                "definition": code.definition,
                "when_to_use": code.when_to_use,
                "when_not_to_use": code.when_not_to_use,
                "example": code.example,
                "keywords": tuple(json.loads(code.keywords or "[]")),
            }
        )
        if description:
            _text_el(element, "Description", description)
        if notes:
            for guid in snap.memo_refs.get(("code", snap.code_guid[code.id]), []):
                _el(element, "NoteRef", {"targetGUID": guid})
        for child in children.get(code.id, []):
            add(element, child)

    for top in children.get(None, []):
        add(parent, top)


def _variable_type(values: list[object]) -> str:
    kinds = {type(v) for v in values}
    if not kinds:
        return "Text"
    if kinds == {bool}:
        return "Boolean"
    if kinds == {int}:
        return "Integer"
    if kinds <= {int, float} and all(math.isfinite(v) for v in values):  # type: ignore[arg-type]
        return "Float"
    return "Text"


def _format_value(kind: str, value: object) -> tuple[str, str]:
    if kind == "Boolean":
        return "BooleanValue", "true" if value else "false"
    if kind == "Integer":
        return "IntegerValue", str(value)
    if kind == "Float":
        return "FloatValue", format(Decimal(repr(float(value))), "f")  # type: ignore[arg-type]
    if isinstance(value, str):
        return "TextValue", value
    return "TextValue", json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass
class _Variable:
    guid: str
    name: str
    kind: str


def _informant_values(informant: Informant) -> dict[str, object]:
    """An informant's variables by name: role, pseudonym, then its attributes."""
    values: dict[str, object] = {}
    if informant.role:
        values[ROLE_VARIABLE] = informant.role
    if informant.pseudonym:
        values[PSEUDONYM_VARIABLE] = informant.pseudonym
    for key, value in sorted(json.loads(informant.attributes or "{}").items()):
        name = key if key.casefold() not in _RESERVED else f"attribute: {key}"
        values[name] = value
    return values


_RESERVED = {ROLE_VARIABLE, PSEUDONYM_VARIABLE, MAGNITUDE_VARIABLE}


def _variables(root: Element, snap: _Snapshot) -> dict[str, _Variable]:
    collected: dict[str, list[object]] = defaultdict(list)
    for informant in snap.informants:
        for name, value in _informant_values(informant).items():
            collected[name].append(value)
    order = [n for n in (ROLE_VARIABLE, PSEUDONYM_VARIABLE) if n in collected]
    order += sorted(n for n in collected if n not in (ROLE_VARIABLE, PSEUDONYM_VARIABLE))
    variables = {
        name: _Variable(
            derived_guid("variable", name),
            name,
            _variable_type([v for v in collected[name] if v is not None]),
        )
        for name in order
    }
    if not variables and snap.scale is None:
        return variables
    element = _el(root, "Variables")
    for var in variables.values():
        _el(element, "Variable", {"guid": var.guid, "name": var.name, "typeOfVariable": var.kind})
    if snap.scale is not None:
        scale = _el(
            element,
            "Variable",
            {
                "guid": derived_guid("variable", MAGNITUDE_VARIABLE),
                "name": MAGNITUDE_VARIABLE,
                "typeOfVariable": "Integer",
            },
        )
        _text_el(scale, "Description", scale_description(snap.scale))
    return variables


def _cases(root: Element, snap: _Snapshot, variables: dict[str, _Variable]) -> None:
    if not snap.informants:
        return
    sources_of: dict[int, list[_SourceRow]] = defaultdict(list)
    for source in snap.sources:
        if source.informant_id is not None:
            sources_of[source.informant_id].append(source)
    cases = _el(root, "Cases")
    for informant in snap.informants:
        case = _el(
            cases, "Case", {"guid": snap.informant_guid[informant.id], "name": informant.name}
        )
        for name, value in _informant_values(informant).items():
            var = variables[name]
            holder = _el(case, "VariableValue")
            _el(holder, "VariableRef", {"targetGUID": var.guid})
            if value is not None:  # a null attribute: the reference alone, no value
                tag, text = _format_value(var.kind, value)
                _text_el(holder, tag, text)
        for row in sources_of.get(informant.id, []):  # type: ignore[arg-type]
            _el(case, "SourceRef", {"targetGUID": snap.source_guid[row.id]})


def _sources(root: Element, snap: _Snapshot, report: ExportReport) -> None:
    """The ``Sources`` element, its children built one source at a time as it is written."""
    if snap.sources:
        _el(root, "Sources").children = _text_sources(snap, report)  # type: ignore[assignment]


def _text_sources(snap: _Snapshot, report: ExportReport) -> Iterator[Element]:
    for source in snap.sources:
        guid = snap.source_guid[source.id]
        text = snap.text_of(source.id)
        element = Element(
            "TextSource",
            {"guid": guid, "name": source.name, "plainTextPath": f"internal://{guid}.txt"},
        )
        for row in snap.codings_of(source.id):
            key = snap.coding_key(row)
            coding_guid = derived_guid("coding", *key)
            coder = key[2]
            selection = _el(
                element,
                "PlainTextSelection",
                {
                    "guid": derived_guid("selection", *key),
                    "name": excerpt(text[row.start : row.end]),
                    "startPosition": row.start,
                    "endPosition": row.end,
                    "creatingUser": coder,
                    "creationDateTime": stamp(row.created_at),
                    "modifiedDateTime": stamp(row.updated_at),
                },
            )
            description = selection_description(row.magnitude, row.memo)
            if description:
                _text_el(selection, "Description", description)
            coding = _el(
                selection,
                "Coding",
                {
                    "guid": coding_guid,
                    "creatingUser": coder,
                    "creationDateTime": stamp(row.created_at),
                },
            )
            _el(coding, "CodeRef", {"targetGUID": key[1]})
            for note in snap.memo_refs.get(("coding", coding_guid), []):
                _el(coding, "NoteRef", {"targetGUID": note})
            report.codings += 1
        for note in snap.memo_refs.get(("source", guid), []):
            _el(element, "NoteRef", {"targetGUID": note})
        yield element


def _sets(root: Element, snap: _Snapshot, *, codebook: bool) -> int:
    """Source kinds as sets, and the sets kept from imported files; returns how many."""
    wanted: list[tuple[str, str, str, list[str], list[str]]] = []
    if not codebook:
        by_kind: dict[str, list[str]] = defaultdict(list)
        for source in snap.sources:
            by_kind[source.kind].append(snap.source_guid[source.id])
        for kind in sorted(by_kind):
            wanted.append(
                (derived_guid("set", "kind", kind), f"kind: {kind}", "", [], by_kind[kind])
            )
    derived_names = {name for _, name, _, _, _ in wanted}
    codes = set(snap.code_guid.values())
    sources = set(snap.source_guid.values())
    kept = sorted(snap.kept_sets, key=lambda s: (s["name"], s["guid"]))
    for item in kept:
        if item["name"] in derived_names or item["name"].startswith("kind: "):
            continue
        member_codes = [g for g in item.get("codes", []) if g in codes]
        member_sources = [] if codebook else [g for g in item.get("sources", []) if g in sources]
        if codebook and not member_codes:
            continue
        wanted.append(
            (item["guid"], item["name"], item.get("description", ""), member_codes, member_sources)
        )
    if not wanted:
        return 0
    element = _el(root, "Sets")
    for guid, name, description, member_codes, member_sources in wanted:
        item_el = _el(element, "Set", {"guid": guid, "name": name})
        if description:
            _text_el(item_el, "Description", description)
        for code in member_codes:
            if codebook:
                _el(item_el, "MemberCode", {"guid": code})
            else:
                _el(item_el, "MemberCode", {"targetGUID": code})
        for member in member_sources:
            _el(item_el, "MemberSource", {"targetGUID": member})
    return len(wanted)


# --- .qdc --------------------------------------------------------------------------------------


def export_qdc(project: Project, path: Path) -> ExportReport:
    with project.read() as session:
        data, report = build_qdc(session, path)
    write_atomic(path, lambda fh: fh.write(data))
    return report


def build_qdc(session: Session, path: Path) -> tuple[bytes, ExportReport]:
    snap = _Snapshot(session)
    if not snap.codes:
        raise QualcodeError("the project has no codes: there is no codebook to export")
    root = Element(
        "CodeBook",
        {
            "xmlns": CODEBOOK_NS,
            "xmlns:xsi": XSI,
            "xsi:schemaLocation": f"{CODEBOOK_NS} {CODEBOOK_SCHEMA}",
            "origin": f"qualcode {__version__}",
        },
    )
    _codes(_el(root, "Codes"), snap, notes=False)
    report = ExportReport(path, codes=len(snap.codes))
    report.sets = _sets(root, snap, codebook=True)
    return serialize(root), report
