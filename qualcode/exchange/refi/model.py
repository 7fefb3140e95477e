"""A REFI-QDA project or codebook as read from its XML, leniently.

Real files differ from the schema in small ways (see ../shared/refi-qda/samples/SOURCES.md), so
the reader ignores namespaces (``urn:QDA-XML:codebook:1.0``, ``...:1:0``, ``...:0:4`` all read
the same), accepts GUIDs in any case with or without braces, an empty ``<Sets/>``, and elements
it does not know. It never decides what to do with the data; ``import_.py`` does, and reports.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from qualcode.core.errors import InputError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: Namespace for the GUIDs qualcode derives (uuid5) for objects that have none stored.
GUID_NAMESPACE = uuid.UUID("6f1c9a52-3d4e-5b8a-9c0d-7e2f1a3b4c5d")

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_COLOR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


_NAMESPACE_BYTES = GUID_NAMESPACE.bytes


def derived_guid(kind: str, *key: object) -> str:
    """A stable GUID for an object that has none: the same key always gives the same GUID.

    It is ``uuid.uuid5(GUID_NAMESPACE, kind + key)``, computed without building UUID objects
    (an export derives one per coding).
    """
    name = "\x1f".join([kind, *map(str, key)])
    h = hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).hexdigest()
    variant = (int(h[16], 16) & 0x3) | 0x8
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant:x}{h[17:20]}-{h[20:32]}"


def norm_guid(value: str | None) -> str | None:
    """``{ABC...}`` and ``abc...`` are the same GUID; returns the lower-case form without braces."""
    if value is None:
        return None
    clean = value.strip().removeprefix("{").removesuffix("}").strip().lower()
    return clean or None


def is_uuid(value: str | None) -> bool:
    return value is not None and _UUID.fullmatch(value) is not None


def norm_color(value: str | None) -> str | None:
    """``#abc`` -> ``#AABBCC``; None for anything that is not a colour."""
    if value is None or not _COLOR.fullmatch(value.strip()):
        return None
    digits = value.strip()[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return "#" + digits.upper()


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.strip().lower() not in ("false", "0", "no")


# --- the parsed file ---------------------------------------------------------------------------


@dataclass
class RefiCode:
    guid: str | None
    name: str
    codable: bool
    color: str | None
    raw_color: str | None
    description: str
    note_refs: list[str] = field(default_factory=list)
    children: list[RefiCode] = field(default_factory=list)


@dataclass
class RefiUser:
    guid: str
    name: str


@dataclass
class RefiVariable:
    guid: str
    name: str
    type: str
    description: str


@dataclass
class RefiCase:
    guid: str
    name: str
    description: str
    values: list[tuple[str, object]]  # (variable guid, typed value)
    source_refs: list[str]
    selection_refs: int
    code_refs: int


@dataclass
class RefiCoding:
    guid: str | None
    code_guid: str | None
    user: str | None
    created: datetime | None
    note_refs: list[str]


@dataclass
class RefiSelection:
    guid: str | None
    name: str
    start: int | None
    end: int | None
    raw_start: str | None
    raw_end: str | None
    user: str | None
    created: datetime | None
    modified: datetime | None
    description: str
    codings: list[RefiCoding]
    note_refs: list[str]


@dataclass
class RefiTextSource:
    """A ``TextSource``, or the text ``Representation`` of a PDF (imported as a document)."""

    guid: str
    name: str
    element: str  # TextSource | PDFSource
    plain_text_path: str | None
    content: str | None  # PlainTextContent
    user: str | None
    description: str
    selections: list[RefiSelection]
    codings: list[RefiCoding]  # whole-source codings
    note_refs: list[str]
    value_count: int
    selection_count: int = 0  # read even when the selections themselves are not (``light``)


@dataclass
class RefiMediaSource:
    """A picture, audio, video or PDF source: its selections cannot be imported as text codings."""

    guid: str
    name: str
    element: str
    selections: list[tuple[str | None, str, int]]  # (guid, name, codings)
    codings: int  # whole-source codings


@dataclass
class RefiNote:
    guid: str
    name: str
    text: str
    description: str
    user: str | None
    created: datetime | None
    modified: datetime | None


@dataclass
class RefiLink:
    guid: str | None
    name: str
    origin: str | None
    target: str | None


@dataclass
class RefiSet:
    guid: str | None
    name: str
    description: str
    codes: list[str]
    sources: list[str]
    notes: list[str]


@dataclass
class RefiFile:
    kind: str  # project | codebook
    name: str
    origin: str
    creating_user: str | None
    description: str = ""
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    variables: list[RefiVariable] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    sources: list[RefiTextSource] = field(default_factory=list)
    media: list[RefiMediaSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    links: list[RefiLink] = field(default_factory=list)
    sets: list[RefiSet] = field(default_factory=list)
    project_note_refs: list[str] = field(default_factory=list)
    graphs: int = 0


# --- reading -----------------------------------------------------------------------------------


def local(tag: object) -> str:
    """The tag without its namespace: every namespace variant reads the same."""
    return str(tag).rsplit("}", 1)[-1]


def strip_namespaces(root: Element) -> None:
    """Drop every tag's namespace, once, so lookups by plain name are fast and variant-proof."""
    for element in root.iter():
        tag = element.tag
        if isinstance(tag, str) and "}" in tag:
            element.tag = tag.rsplit("}", 1)[1]


def kids(element: Element, name: str) -> list[Element]:
    return element.findall(name)


def kid(element: Element, name: str) -> Element | None:
    return element.find(name)


def text_of(element: Element, name: str) -> str:
    child = kid(element, name)
    return "" if child is None or child.text is None else child.text


def _attr(element: Element, name: str) -> str | None:
    return element.get(name)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _refs(element: Element, name: str) -> list[str]:
    out = []
    for ref in kids(element, name):
        guid = norm_guid(_attr(ref, "targetGUID") or _attr(ref, "guid"))
        if guid:
            out.append(guid)
    return out


MAX_CODE_DEPTH = 200  # deeper than any real codebook; stops a hostile file's recursion


def read_refi(root: Element, where: str) -> RefiFile:
    strip_namespaces(root)
    kind = local(root.tag)
    if kind == "Project":
        return _read_project(root, where)
    if kind == "CodeBook":
        refi = RefiFile(
            kind="codebook", name="", origin=_attr(root, "origin") or "", creating_user=None
        )
        codes = kid(root, "Codes")
        refi.codes = _read_codes(codes, where, 1) if codes is not None else []
        refi.sets = _read_sets(root)
        return refi
    raise InputError(
        where, f"not a REFI-QDA project or codebook (the XML root is <{kind}>, not <Project>)"
    )


def _read_project(root: Element, where: str) -> RefiFile:
    refi = RefiFile(
        kind="project",
        name=(_attr(root, "name") or "").strip(),
        origin=(_attr(root, "origin") or "").strip(),
        creating_user=norm_guid(_attr(root, "creatingUserGUID")),
        description=text_of(root, "Description"),
    )
    users = kid(root, "Users")
    for user in kids(users, "User") if users is not None else []:
        guid = norm_guid(_attr(user, "guid"))
        if guid:
            name = (_attr(user, "name") or _attr(user, "id") or "").strip()
            refi.users.append(RefiUser(guid, name))
    book = kid(root, "CodeBook")
    codes = kid(book, "Codes") if book is not None else None
    refi.codes = _read_codes(codes, where, 1) if codes is not None else []
    variables = kid(root, "Variables")
    for var in kids(variables, "Variable") if variables is not None else []:
        guid = norm_guid(_attr(var, "guid"))
        if guid:
            refi.variables.append(
                RefiVariable(
                    guid,
                    (_attr(var, "name") or "").strip(),
                    (_attr(var, "typeOfVariable") or "Text").strip(),
                    text_of(var, "Description"),
                )
            )
    cases = kid(root, "Cases")
    for case in kids(cases, "Case") if cases is not None else []:
        guid = norm_guid(_attr(case, "guid"))
        if guid:
            refi.cases.append(
                RefiCase(
                    guid=guid,
                    name=(_attr(case, "name") or "").strip(),
                    description=text_of(case, "Description"),
                    values=_values(case),
                    source_refs=_refs(case, "SourceRef"),
                    selection_refs=len(kids(case, "SelectionRef")),
                    code_refs=len(kids(case, "CodeRef")),
                )
            )
    sources = kid(root, "Sources")
    for source in list(sources) if sources is not None else []:
        _read_source(source, refi)
    notes = kid(root, "Notes")
    for note in kids(notes, "Note") if notes is not None else []:
        guid = norm_guid(_attr(note, "guid"))
        if guid:
            refi.notes.append(
                RefiNote(
                    guid=guid,
                    name=(_attr(note, "name") or "").strip(),
                    text=text_of(note, "PlainTextContent"),
                    description=text_of(note, "Description"),
                    user=norm_guid(_attr(note, "creatingUser")),
                    created=parse_datetime(_attr(note, "creationDateTime")),
                    modified=parse_datetime(_attr(note, "modifiedDateTime")),
                )
            )
    links = kid(root, "Links")
    for link in kids(links, "Link") if links is not None else []:
        refi.links.append(
            RefiLink(
                guid=norm_guid(_attr(link, "guid")),
                name=(_attr(link, "name") or "").strip(),
                origin=norm_guid(_attr(link, "originGUID")),
                target=norm_guid(_attr(link, "targetGUID")),
            )
        )
    refi.sets = _read_sets(root)
    graphs = kid(root, "Graphs")
    refi.graphs = len(kids(graphs, "Graph")) if graphs is not None else 0
    refi.project_note_refs = _refs(root, "NoteRef")
    return refi


def _read_codes(parent: Element, where: str, depth: int) -> list[RefiCode]:
    if depth > MAX_CODE_DEPTH:
        raise InputError(where, f"refused: codes nested more than {MAX_CODE_DEPTH} levels deep")
    out = []
    for code in kids(parent, "Code"):
        raw_color = _attr(code, "color")
        out.append(
            RefiCode(
                guid=norm_guid(_attr(code, "guid")),
                name=_attr(code, "name") or "",
                codable=parse_bool(_attr(code, "isCodable")),
                color=norm_color(raw_color),
                raw_color=raw_color,
                description=text_of(code, "Description"),
                note_refs=_refs(code, "NoteRef"),
                children=_read_codes(code, where, depth + 1),
            )
        )
    return out


def _values(element: Element) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for value in kids(element, "VariableValue"):
        ref = kid(value, "VariableRef")
        guid = norm_guid(_attr(ref, "targetGUID")) if ref is not None else None
        if not guid:
            continue
        typed: object = None
        for child in value:
            kind = str(child.tag)
            raw = child.text or ""
            if kind == "TextValue":
                typed = raw
            elif kind == "BooleanValue":
                typed = raw.strip().lower() in ("true", "1")
            elif kind == "IntegerValue":
                typed = _int(raw) if _int(raw) is not None else raw.strip()
            elif kind == "FloatValue":
                try:
                    typed = float(raw)
                except ValueError:
                    typed = raw.strip()
            elif kind in ("DateValue", "DateTimeValue"):
                typed = raw.strip()
        out.append((guid, typed))
    return out


def _selection(element: Element) -> RefiSelection:
    raw_start, raw_end = _attr(element, "startPosition"), _attr(element, "endPosition")
    return RefiSelection(
        guid=norm_guid(_attr(element, "guid")),
        name=_attr(element, "name") or "",
        start=_int(raw_start),
        end=_int(raw_end),
        raw_start=raw_start,
        raw_end=raw_end,
        user=norm_guid(_attr(element, "creatingUser")),
        created=parse_datetime(_attr(element, "creationDateTime")),
        modified=parse_datetime(_attr(element, "modifiedDateTime")),
        description=text_of(element, "Description"),
        codings=_codings(element),
        note_refs=_refs(element, "NoteRef"),
    )


def _codings(element: Element) -> list[RefiCoding]:
    out = []
    for coding in kids(element, "Coding"):
        ref = kid(coding, "CodeRef")
        out.append(
            RefiCoding(
                guid=norm_guid(_attr(coding, "guid")),
                code_guid=norm_guid(_attr(ref, "targetGUID")) if ref is not None else None,
                user=norm_guid(_attr(coding, "creatingUser")),
                created=parse_datetime(_attr(coding, "creationDateTime")),
                note_refs=_refs(coding, "NoteRef"),
            )
        )
    return out


def _text_source(
    element: Element, name: str, kind: str, light: bool = False
) -> RefiTextSource | None:
    guid = norm_guid(_attr(element, "guid"))
    if not guid:
        return None
    content = kid(element, "PlainTextContent")
    selections = kids(element, "PlainTextSelection")
    return RefiTextSource(
        guid=guid,
        name=name,
        element=kind,
        plain_text_path=_attr(element, "plainTextPath"),
        content=None if content is None else (content.text or ""),
        user=norm_guid(_attr(element, "creatingUser")),
        description=text_of(element, "Description"),
        selections=[] if light else [_selection(sel) for sel in selections],
        codings=_codings(element),
        note_refs=_refs(element, "NoteRef"),
        value_count=len(kids(element, "VariableValue")),
        selection_count=len(selections),
    )


_MEDIA_SELECTIONS = {
    "PictureSource": "PictureSelection",
    "PDFSource": "PDFSelection",
    "AudioSource": "AudioSelection",
    "VideoSource": "VideoSelection",
}


def _read_source(element: Element, refi: RefiFile, light: bool = False) -> None:
    """Add a ``Sources`` child to ``refi``: a text source (``light``: without its selections,
    only how many) or a picture, PDF, audio or video source."""
    kind = local(element.tag)
    name = (_attr(element, "name") or "").strip()
    if kind == "TextSource":
        source = _text_source(element, name, kind, light)
        if source is not None:
            refi.sources.append(source)
        return
    if kind not in _MEDIA_SELECTIONS:
        return
    guid = norm_guid(_attr(element, "guid")) or ""
    if kind == "PDFSource":
        # The PDF's text, when the file carries it, holds text selections like a TextSource.
        representation = kid(element, "Representation")
        if representation is not None:
            source = _text_source(representation, name, kind, light)
            if source is not None:
                refi.sources.append(source)
    selections: list[tuple[str | None, str, int]] = []
    for sel in kids(element, _MEDIA_SELECTIONS[kind]):
        selections.append(
            (norm_guid(_attr(sel, "guid")), _attr(sel, "name") or "", len(kids(sel, "Coding")))
        )
    for transcript in kids(element, "Transcript"):
        for sel in kids(transcript, "TranscriptSelection"):
            selections.append(
                (norm_guid(_attr(sel, "guid")), _attr(sel, "name") or "", len(kids(sel, "Coding")))
            )
    refi.media.append(RefiMediaSource(guid, name, kind, selections, len(kids(element, "Coding"))))


def _read_sets(root: Element) -> list[RefiSet]:
    sets = kid(root, "Sets")
    out = []
    for item in kids(sets, "Set") if sets is not None else []:
        out.append(
            RefiSet(
                guid=norm_guid(_attr(item, "guid")),
                name=(_attr(item, "name") or "").strip(),
                description=text_of(item, "Description"),
                codes=_refs(item, "MemberCode"),
                sources=_refs(item, "MemberSource"),
                notes=_refs(item, "MemberNote"),
            )
        )
    return out


def count_codings(root: Element) -> int:
    """Every ``<Coding>`` in the file (for tests and reports that account for each one)."""
    return sum(1 for el in root.iter() if local(el.tag) == "Coding")


# --- reading a document too large to hold --------------------------------------------------------


def _source_events(
    events: Iterable[tuple[str, Element]],
) -> Iterator[tuple[Element | None, Element]]:
    """``(source, source)`` for each child of a project's ``<Sources>`` as soon as it is read,
    taken out of the tree so that it is freed once the caller is done with it; at the end
    ``(None, root)``. Everything else stays in the tree (codes, cases, notes, sets: small)."""
    stack: list[Element] = []
    last: Element | None = None
    for event, element in events:
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        last = element
        if (
            len(stack) == 2
            and local(stack[1].tag) == "Sources"
            and local(stack[0].tag) == "Project"
        ):
            stack[1].remove(element)
            strip_namespaces(element)
            yield element, element
    if last is not None:
        yield None, last


def read_refi_streamed(events: Iterable[tuple[str, Element]], where: str) -> tuple[RefiFile, int]:
    """The file from its parse ``events``, its text sources read ``light`` (how many selections,
    not the selections), and how many ``<Coding>`` it holds (as ``count_codings``)."""
    codings = 0

    def counting() -> Iterator[tuple[str, Element]]:
        nonlocal codings
        for event, element in events:
            tag = element.tag
            if event == "end" and isinstance(tag, str) and tag.endswith("Coding"):
                codings += local(tag) == "Coding"
            yield event, element

    collected = RefiFile(kind="project", name="", origin="", creating_user=None)
    root: Element | None = None
    for source, last in _source_events(counting()):
        if source is None:
            root = last
        else:
            _read_source(source, collected, light=True)
    if root is None:
        raise InputError(where, "not well-formed XML (no element found)")
    refi = read_refi(root, where)
    if refi.kind == "project":
        refi.sources, refi.media = collected.sources, collected.media
    return refi, codings


def text_sources_streamed(events: Iterable[tuple[str, Element]]) -> Iterator[RefiTextSource]:
    """The file's text sources with their selections, one at a time, in the file's order."""
    for source, _ in _source_events(events):
        if source is not None:
            found = RefiFile(kind="project", name="", origin="", creating_user=None)
            _read_source(source, found)
            yield from found.sources
