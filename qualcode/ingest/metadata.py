"""Informant and source metadata: ``informants.yaml`` or an equivalent CSV (docs/importing.md).

Strict, with line numbers: a typo in a key, a file listed twice or an unknown source kind is
an :class:`InputError`, not a silently ignored setting. Lenient only where no meaning can be
lost: values become strings exactly as written (``2021-12-18``, ``0812``), kinds and modes are
case-insensitive, a file may be given with its folder (only its base name is kept).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualcode.core.errors import InputError
from qualcode.core.files import read_input
from qualcode.core.segmentation import SEGMENT_MODES
from qualcode.core.text import decode, normalize
from qualcode.ingest.readers import SUPPORTED_SUFFIXES, unsupported_reason

KINDS = ("interview", "document", "observation")

_INFORMANT_KEYS = ("name", "pseudonym", "role", "attributes", "files")
_SOURCE_KEYS = ("file", "kind", "name", "informant", "segment")
_CSV_COLUMNS = ("file", "name", "pseudonym", "role", "kind", "segment")
_NULL = "tag:yaml.org,2002:null"


@dataclass
class InformantMeta:
    name: str
    pseudonym: str | None = None
    role: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # base names


@dataclass
class SourceMeta:
    file: str  # base name
    informant: str | None = None
    kind: str | None = None
    name: str | None = None  # display name
    segment: str | None = None


T = TypeVar("T")


def _lookup(items: Iterable[T], key: Callable[[T], Iterable[str]], wanted: str) -> T | None:
    """The item with ``wanted`` among its keys: exact match first, then ignoring case."""
    items = list(items)
    for item in items:
        if wanted in key(item):
            return item
    folded = wanted.casefold()
    for item in items:
        if any(k.casefold() == folded for k in key(item)):
            return item
    return None


@dataclass
class Metadata:
    path: str
    informants: list[InformantMeta] = field(default_factory=list)
    sources: list[SourceMeta] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def for_file(self, filename: str) -> SourceMeta | None:
        """A file's settings (by base name), merged from ``sources`` and ``informants[].files``."""
        base = base_name(filename)
        source = _lookup(self.sources, lambda s: (s.file,), base)
        owner = _lookup(self.informants, lambda i: i.files, base)
        if source is None and owner is None:
            return None
        if source is None:
            assert owner is not None
            listed = _lookup(owner.files, lambda f: (f,), base) or base
            return SourceMeta(file=listed, informant=owner.name)
        if source.informant is None and owner is not None:
            return replace(source, informant=owner.name)
        return replace(source)

    def informant(self, name: str) -> InformantMeta | None:
        """The informant of that name (exact match first, then ignoring case)."""
        return _lookup(self.informants, lambda i: (i.name,), name.strip())


def base_name(filename: str) -> str:
    return PurePosixPath(str(filename).replace("\\", "/")).name


def load_metadata(path: str | Path) -> Metadata:
    """Load ``.yaml``/``.yml`` or ``.csv`` metadata. Raises :class:`InputError` with a line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise InputError(path, f"unknown metadata format '{suffix}' (supported: .yaml, .yml, .csv)")
    if path.is_dir():
        raise InputError(path, "is a directory, not a metadata file")
    data = read_input(path)
    decoded = decode(data, path)
    text = normalize(decoded.text)
    builder = _Builder(str(path))
    if suffix == ".csv":
        _read_csv(text, builder)
    else:
        _read_yaml(text, builder)
    meta = builder.finish()
    if decoded.warning:
        meta.warnings.append(decoded.warning)
    return meta


class _Builder:
    """Collects informants and sources, checking the rules both formats share."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.informants: list[InformantMeta] = []
        self.sources: list[SourceMeta] = []
        self._informant_lines: dict[str, int] = {}  # casefolded name -> line
        self._pseudonym_lines: dict[str, int] = {}
        self._file_lines: dict[str, int] = {}  # casefolded base name -> line (files of informants)
        self._source_lines: dict[str, int] = {}
        self._owner: dict[str, InformantMeta] = {}  # casefolded base name -> informant

    def error(self, reason: str, line: int | None) -> InputError:
        return InputError(self.path, reason, line=line)

    def add_informant(self, informant: InformantMeta, line: int) -> None:
        key = informant.name.casefold()
        if key in self._informant_lines:
            raise self.error(
                f"duplicate informant '{informant.name}' "
                f"(also at line {self._informant_lines[key]})",
                line,
            )
        self._informant_lines[key] = line
        self.informants.append(informant)

    def check_pseudonym(self, informant: InformantMeta, line: int) -> None:
        if informant.pseudonym is None:
            return
        key = informant.pseudonym.casefold()
        if key in self._pseudonym_lines:
            raise self.error(
                f"duplicate pseudonym '{informant.pseudonym}' "
                f"(also at line {self._pseudonym_lines[key]})",
                line,
            )
        self._pseudonym_lines[key] = line

    def add_file(self, informant: InformantMeta, file: str, line: int) -> None:
        key = file.casefold()
        if key in self._file_lines:
            raise self.error(
                f"file '{file}' is listed twice (also at line {self._file_lines[key]})", line
            )
        self._file_lines[key] = line
        self._owner[key] = informant
        informant.files.append(file)

    def add_source(self, source: SourceMeta, line: int) -> None:
        key = source.file.casefold()
        if key in self._source_lines:
            raise self.error(
                f"file '{source.file}' is listed twice (also at line {self._source_lines[key]})",
                line,
            )
        self._source_lines[key] = line
        self.sources.append(source)

    def file_name(self, value: str, line: int) -> str:
        name = base_name(value)
        if not name:
            raise self.error(f"'{value}' is not a file name", line)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise self.error(f"{name}: {unsupported_reason(suffix)}", line)
        return name

    def choice(
        self, what: str, value: str | None, allowed: tuple[str, ...], line: int
    ) -> str | None:
        if value is None:
            return None
        if value.lower() not in allowed:
            raise self.error(f"unknown {what} '{value}' (expected: {', '.join(allowed)})", line)
        return value.lower()

    def finish(self) -> Metadata:
        return Metadata(self.path, self.informants, self.sources)

    def link_source(self, source: SourceMeta, line: int) -> SourceMeta:
        """Resolve a source's informant against the informants and their files."""
        owner = self._owner.get(source.file.casefold())
        if source.informant is not None:
            informant = _lookup(self.informants, lambda i: (i.name,), source.informant)
            if informant is None:
                raise self.error(
                    f"unknown informant '{source.informant}' (not listed under informants)", line
                )
            if owner is not None and owner is not informant:
                raise self.error(
                    f"file '{source.file}' belongs to informant '{owner.name}' "
                    f"(line {self._file_lines[source.file.casefold()]}), "
                    f"not '{informant.name}'",
                    line,
                )
            return replace(source, informant=informant.name)
        return source


# --- YAML -------------------------------------------------------------------------------------


def _line(node: Node | yaml.Event) -> int:
    mark = node.start_mark
    return 0 if mark is None else int(mark.line) + 1


# informants > list > informant > attributes > a value: a handful; 20 leaves room and stops bombs.
_MAX_YAML_DEPTH = 20
# libyaml (C) when PyYAML has it: ten times faster on an informants file of thousands of people.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(text: str, b: _Builder) -> None:
    try:
        # Aliases can multiply a small file into a huge one and make edits at one place change
        # another; metadata has no need for them.
        depth = 0
        for event in yaml.parse(text, Loader=_LOADER):
            # Composing is recursive: refuse runaway nesting ([[[[...) before it starts.
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > _MAX_YAML_DEPTH:
                    raise b.error("nested too deeply for an informants file", _line(event))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise b.error("YAML anchors and aliases (&, *) are not allowed", _line(event))
            if getattr(event, "tag", None):  # values are read as written; tags have no use
                raise b.error("YAML tags (!!...) are not allowed", _line(event))
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "syntax error"
        if "maximum nesting depth" in problem:  # libyaml's own guard, met while scanning ahead
            raise b.error("nested too deeply for an informants file", line) from exc
        raise b.error(f"invalid YAML: {problem}", line) from exc
    except yaml.YAMLError as exc:  # e.g. a control character: the reader's first line says it
        raise b.error(f"invalid YAML: {str(exc).splitlines()[0]}", None) from exc
    if root is None or _is_null(root):
        raise b.error("no informants or sources", None)
    top = _mapping(root, b, "the file", ("informants", "sources"))
    informant_items = _sequence(top.get("informants"), b, "informants")
    for item in informant_items:
        _yaml_informant(item, b)
    for item in _sequence(top.get("sources"), b, "sources"):
        _yaml_source(item, b)


def _mapping(
    node: Node, b: _Builder, what: str, allowed: tuple[str, ...] | None
) -> dict[str, Node]:
    """A mapping's values by key; unknown and duplicate keys are errors."""
    if not isinstance(node, MappingNode):
        expected = f"a mapping with keys {', '.join(allowed)}" if allowed else "a mapping"
        raise b.error(f"{what} must be {expected}", _line(node))
    out: dict[str, Node] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag.endswith(":merge"):
            raise b.error(f"keys in {what} must be plain names", _line(key_node))
        key = key_node.value.strip()
        if allowed is not None and key not in allowed:
            raise b.error(
                f"unknown key '{key}' in {what} (expected: {', '.join(allowed)})",
                _line(key_node),
            )
        if key in out:
            raise b.error(f"duplicate key '{key}' in {what}", _line(key_node))
        out[key] = value_node
    return out


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL


def _sequence(node: Node | None, b: _Builder, what: str) -> list[Node]:
    if node is None or _is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        raise b.error(f"'{what}' must be a list (items starting with '- ')", _line(node))
    return list(node.value)


def _scalar(node: Node | None, b: _Builder, what: str) -> str | None:
    """A single value as written (YAML types are not applied: ``2021-12-18`` stays that)."""
    if node is None:
        return None
    if not isinstance(node, ScalarNode):
        raise b.error(f"'{what}' must be a single value, not a list or mapping", _line(node))
    if node.tag == _NULL:
        return None
    return node.value.strip() or None


def _yaml_informant(node: Node, b: _Builder) -> None:
    fields = _mapping(node, b, "an informant", _INFORMANT_KEYS)
    name = _scalar(fields.get("name"), b, "name")
    if name is None:
        raise b.error("informant without a name", _line(node))
    informant = InformantMeta(
        name=name,
        pseudonym=_scalar(fields.get("pseudonym"), b, "pseudonym"),
        role=_scalar(fields.get("role"), b, "role"),
    )
    b.add_informant(informant, _line(fields["name"]))
    b.check_pseudonym(informant, _line(fields.get("pseudonym", node)))
    attributes = fields.get("attributes")
    if attributes is not None and not _is_null(attributes):
        for key, value in _mapping(attributes, b, "attributes", None).items():
            text = _scalar(value, b, f"attributes: {key}")
            if text is not None:
                informant.attributes[key] = text
    files = fields.get("files")
    if isinstance(files, ScalarNode) and files.tag != _NULL:
        file_nodes: list[Node] = [files]  # one file needs no list
    else:
        file_nodes = _sequence(files, b, "files")
    for file_node in file_nodes:
        file = _scalar(file_node, b, "files")
        if file is None:
            raise b.error("empty file name in 'files'", _line(file_node))
        b.add_file(informant, b.file_name(file, _line(file_node)), _line(file_node))


def _yaml_source(node: Node, b: _Builder) -> None:
    fields = _mapping(node, b, "a source", _SOURCE_KEYS)
    line = _line(node)
    value = _scalar(fields.get("file"), b, "file")
    if value is None:
        raise b.error("source without a file", line)
    file_line = _line(fields["file"])

    def choice(key: str, allowed: tuple[str, ...], what: str) -> str | None:
        value_node = fields.get(key)
        text = _scalar(value_node, b, key)
        return b.choice(what, text, allowed, _line(value_node) if value_node else line)

    source = SourceMeta(
        file=b.file_name(value, file_line),
        informant=_scalar(fields.get("informant"), b, "informant"),
        kind=choice("kind", KINDS, "kind"),
        name=_scalar(fields.get("name"), b, "name"),
        segment=choice("segment", SEGMENT_MODES, "segmentation mode"),
    )
    informant_node = fields.get("informant")
    source = b.link_source(source, _line(informant_node) if informant_node else line)
    b.add_source(source, file_line)


# --- CSV --------------------------------------------------------------------------------------


def _read_csv(text: str, b: _Builder) -> None:
    header_line = next((line for line in text.split("\n") if line.strip()), "")
    # Spreadsheets in locales with a decimal comma (Indonesian, most of Europe) save with ";".
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    columns: list[str] = []
    line = 1
    try:
        for row in reader:
            row_line, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                columns = _csv_columns(header, b, row_line)
                continue
            _csv_row(row, header, columns, b, row_line)
    except csv.Error as exc:
        raise b.error(f"invalid CSV: {exc}", reader.line_num) from exc


def _csv_columns(header: list[str], b: _Builder, line: int) -> list[str]:
    """The role of each column: a known field, an attribute (its header), or "" (ignored)."""
    columns = []
    seen: set[str] = set()
    for cell in header:
        key = cell.lower() if cell.lower() in _CSV_COLUMNS else cell
        if key and key.casefold() in seen:
            raise b.error(f"duplicate column '{cell}'", line)
        seen.add(key.casefold())
        columns.append(key)
    missing = [c for c in ("file", "name") if c not in columns]
    if missing:
        raise b.error(
            f"missing column {' and '.join(repr(c) for c in missing)} in the header "
            f"(found: {', '.join(h for h in header if h) or 'nothing'})",
            line,
        )
    return columns


def _csv_row(row: list[str], header: list[str], columns: list[str], b: _Builder, line: int) -> None:
    cells = [cell.strip() for cell in row]
    if len(cells) > len(columns) and any(cells[len(columns) :]):
        raise b.error(f"row has {len(cells)} cells but the header has {len(columns)}", line)
    cells += [""] * (len(columns) - len(cells))
    values: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for column, cell in zip(columns, cells, strict=False):
        if not cell:
            continue
        if not column:
            raise b.error(f"a value ('{cell}') in a column without a header", line)
        if column in _CSV_COLUMNS:
            values[column] = cell
        else:
            attributes[column] = cell
    if "file" not in values:
        raise b.error("row without a file", line)
    file = b.file_name(values["file"], line)
    name = values.get("name")
    if name is None:
        given = [c for c in ("pseudonym", "role") if c in values] + list(attributes)
        if given:
            raise b.error(f"{', '.join(given)} given without an informant name", line)
    else:
        informant = _lookup(b.informants, lambda i: (i.name,), name)
        if informant is None:
            informant = InformantMeta(name, values.get("pseudonym"), values.get("role"))
            informant.attributes.update(attributes)
            b.add_informant(informant, line)
            b.check_pseudonym(informant, line)
        else:
            _merge_row(informant, values, attributes, b, line)
        b.add_file(informant, file, line)
    b.add_source(
        SourceMeta(
            file=file,
            informant=name and _canonical(b, name),
            kind=b.choice("kind", values.get("kind"), KINDS, line),
            segment=b.choice("segmentation mode", values.get("segment"), SEGMENT_MODES, line),
        ),
        line,
    )


def _canonical(b: _Builder, name: str) -> str:
    informant = _lookup(b.informants, lambda i: (i.name,), name)
    return informant.name if informant else name


def _merge_row(
    informant: InformantMeta,
    values: dict[str, str],
    attributes: dict[str, str],
    b: _Builder,
    line: int,
) -> None:
    """A further row (file) of an informant: blank cells inherit, different values conflict."""
    for key in ("pseudonym", "role"):
        new, old = values.get(key), getattr(informant, key)
        if new is None:
            continue
        if old is None:
            setattr(informant, key, new)
            if key == "pseudonym":
                b.check_pseudonym(informant, line)
        elif new != old:
            raise b.error(f"{key} '{new}' for '{informant.name}' differs from '{old}'", line)
    for key, new in attributes.items():
        old = informant.attributes.get(key)
        if old is not None and old != new:
            raise b.error(f"{key} '{new}' for '{informant.name}' differs from '{old}'", line)
        informant.attributes[key] = new
