"""The codebook: a tree of codes with MacQueen's team-codebook fields, and its YAML format.

The format is documented in ``docs/codebooks.md``. The loader is deliberately strict: a
codebook is written by hand, and a typo such as ``when_to_usee`` or a second ``name:`` key
must stop the researcher with the file and line, not silently lose a definition. PyYAML's
own loader cannot do that (it keeps the last of two duplicate keys and drops the marks), so
we compose the node tree and walk it ourselves, reading every value with its line.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, NodeEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from qualcode.core.errors import CodebookError, InputError
from qualcode.core.files import read_input

__all__ = [
    "MAX_DEPTH",
    "CodeDef",
    "Codebook",
    "MagnitudeScale",
    "code_guid",
    "load_codebook",
    "parse_codebook",
]

#: Codes may nest this many levels deep (top level is depth 1).
MAX_DEPTH = 50
# A code at depth d sits at YAML collection depth 2d + 1 (mapping, codes list, mapping, ...)
# and its keywords list one deeper, so this is the deepest a valid codebook can go. Checking it
# while composing stops runaway nesting before anything recursive sees it.
_MAX_YAML_DEPTH = 2 * MAX_DEPTH + 2

_TOP_FIELDS = ("name", "description", "version", "magnitude", "codes")
_TEXT_FIELDS = ("brief", "definition", "when_to_use", "when_not_to_use", "example")
_CODE_FIELDS = (
    "name",
    "parent",
    "guid",
    "shortcut",
    "color",
    *_TEXT_FIELDS,
    "keywords",
    "codable",
    "codes",
)
# Words researchers reach for that difflib would not map to our field names.
_SYNONYMS = {
    "children": "codes",
    "subcodes": "codes",
    "colour": "color",
    "uuid": "guid",
    "id": "guid",
    "key": "shortcut",
    "hotkey": "shortcut",
    "title": "name",
    "label": "name",
    "scale": "magnitude",
}

_SHORTCUT = re.compile(r"[0-9a-z]")
_COLOR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_HEX_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_GUID = re.compile(rf"\{{({_HEX_UUID})\}}|({_HEX_UUID})")

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
_TIMESTAMP = _TAG + "timestamp"
# Tags a reader may write explicitly (``!!str 2020``); anything else (``!!python/...``,
# ``!custom``) has no meaning in a codebook.
_ALLOWED_TAGS = {_STR, _INT, _FLOAT, _BOOL, _NULL, _TAG + "map", _TAG + "seq"}


def code_guid(path: str) -> str:
    """The GUID a code gets when the codebook gives none: stable for the same path."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "qualcode:code:" + path))


@dataclass(frozen=True)
class MagnitudeScale:
    """Saldaña's magnitude coding scale: whole-number values with labels, e.g. -2..2."""

    labels: dict[int, str]

    def __post_init__(self) -> None:
        if len(self.labels) < 2:
            raise ValueError("a magnitude scale needs at least two values")
        object.__setattr__(self, "labels", dict(sorted(self.labels.items())))

    # The dict field would make the generated hash fail; hash its items instead.
    def __hash__(self) -> int:
        return hash(tuple(self.labels.items()))

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(self.labels)

    @property
    def min(self) -> int:
        return self.values[0]

    @property
    def max(self) -> int:
        return self.values[-1]

    def label(self, value: int) -> str | None:
        if isinstance(value, bool):
            return None
        return self.labels.get(value)

    def contains(self, value: int | float) -> bool:
        """True if ``value`` is one of the scale's values (``1.0`` counts as ``1``)."""
        if isinstance(value, bool):  # True == 1 in Python, but is no magnitude
            return False
        if isinstance(value, float):
            return value.is_integer() and int(value) in self.labels
        return value in self.labels


@dataclass
class CodeDef:
    """One code of the codebook tree. Text fields are ``""`` when the codebook leaves them out."""

    name: str
    path: str
    parent_path: str | None
    guid: str
    color: str | None = None
    shortcut: str | None = None
    brief: str = ""
    definition: str = ""
    when_to_use: str = ""
    when_not_to_use: str = ""
    example: str = ""
    keywords: tuple[str, ...] = ()
    codable: bool = True
    # Where the code was read from; not part of its identity, so a codebook written by
    # to_yaml and read back compares equal.
    line: int = field(default=0, compare=False)

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1


@dataclass
class Codebook:
    """A named codebook: its codes in pre-order (parents first, siblings in file order)."""

    name: str
    description: str = ""
    version: str | None = None
    magnitude: MagnitudeScale | None = None
    codes: list[CodeDef] = field(default_factory=list)
    source: str = field(default="<string>", compare=False)

    def by_path(self, path: str) -> CodeDef:
        for code in self.codes:
            if code.path == path:
                return code
        raise KeyError(path)

    def children(self, path: str | None) -> list[CodeDef]:
        """The codes directly under ``path`` (``None``: the top level), in order."""
        if path is not None:
            self.by_path(path)  # an unknown path is a KeyError, not an empty list
        return [code for code in self.codes if code.parent_path == path]

    def find(self, name_or_path: str) -> CodeDef:
        """A code by full path, else by its bare name if only one code has it.

        The exact path wins; then a case-sensitive name; then the path or name ignoring case.
        Raises LookupError naming the candidates when the name is ambiguous or unknown.
        """
        query = name_or_path
        for code in self.codes:
            if code.path == query:
                return code
        matches = [code for code in self.codes if code.name == query]
        if not matches:
            folded = query.casefold()
            matches = [
                code
                for code in self.codes
                if code.path.casefold() == folded or code.name.casefold() == folded
            ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            paths = ", ".join(f"'{code.path}'" for code in matches)
            raise LookupError(
                f"code '{query}' is ambiguous in codebook '{self.name}': it could be {paths};"
                " give the full path"
            )
        words = {code.path for code in self.codes} | {code.name for code in self.codes}
        close = set(difflib.get_close_matches(query, words, n=5, cutoff=0.6))
        named = [code.path for code in self.codes if code.path in close or code.name in close]
        hint = " (did you mean " + " or ".join(f"'{p}'" for p in named[:3]) + "?)" if named else ""
        raise LookupError(f"no code '{query}' in codebook '{self.name}'{hint}")

    def to_yaml(self) -> str:
        """The codebook in its YAML format (nested form, GUIDs written out)."""
        under: dict[str | None, list[CodeDef]] = {}
        for code in self.codes:
            under.setdefault(code.parent_path, []).append(code)

        def entry(code: CodeDef) -> dict[str, Any]:
            out: dict[str, Any] = {"name": code.name, "guid": code.guid}
            if code.shortcut is not None:
                out["shortcut"] = code.shortcut
            if code.color is not None:
                out["color"] = code.color
            for key in _TEXT_FIELDS:
                if getattr(code, key):
                    out[key] = getattr(code, key)
            if code.keywords:
                out["keywords"] = _Inline(code.keywords)
            if not code.codable:
                out["codable"] = False
            if code.path in under:
                out["codes"] = [entry(child) for child in under[code.path]]
            return out

        doc: dict[str, Any] = {"name": self.name}
        if self.description:
            doc["description"] = self.description
        if self.version is not None:
            doc["version"] = self.version
        if self.magnitude is not None:
            doc["magnitude"] = dict(self.magnitude.labels)
        doc["codes"] = [entry(code) for code in under.get(None, [])]
        known = {code.path for code in self.codes} | {None}
        orphans = [code.path for code in self.codes if code.parent_path not in known]
        if orphans:
            raise ValueError(f"codes without their parent in the codebook: {orphans}")
        return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    # The loader rejects anchors, so the writer must never produce one.
    def ignore_aliases(self, data: Any) -> bool:
        return True

    # Indent list items under their key ("codes:\n  - name: ..."), as people write them.
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Inline(list[str]):
    """A short list written on one line: keywords: [a, b]."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # Definitions are paragraphs; a literal block keeps them readable in the file.
    # PyYAML falls back to a quoted style by itself when a block cannot hold the text.
    style = "|" if "\n" in data else None
    # YAML reads these as line breaks and would turn them into "\n" or " " unless escaped,
    # which only the double-quoted style does.
    if any(ch in data for ch in _OTHER_BREAKS):
        style = '"'
    return dumper.represent_scalar(_STR, data, style=style)


_OTHER_BREAKS = "\r\x85\u2028\u2029"


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(
    _Inline, lambda dumper, data: dumper.represent_sequence(_TAG + "seq", data, flow_style=True)
)


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file (UTF-8, a BOM is allowed)."""
    try:
        data = read_input(path)
    except InputError as err:
        too_big = err.reason.startswith("refused")
        raise CodebookError(
            path, err.reason if too_big else f"cannot read the codebook: {err.reason}"
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise CodebookError(
            path,
            f"not UTF-8 text (byte 0x{data[err.start]:02x}); save the codebook as UTF-8",
            line,
        ) from err
    return parse_codebook(text, str(path))


def parse_codebook(text: str, source: str = "<string>") -> Codebook:
    """Check a codebook given as YAML text; ``source`` names it in error messages."""
    return _Reader(source).read(text.removeprefix("\ufeff"))


# --- reading -------------------------------------------------------------------------------


class _Problem(Exception):
    """Raised inside the composer, where the source name is not at hand."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


class _Composer(yaml.SafeLoader):
    """Composes the node tree, refusing anchors, aliases, odd tags and runaway nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1
        # Refused before the composer resolves them: aliases are how YAML "billion laughs"
        # bombs are built, and a codebook never needs to share a value.
        if isinstance(event, AliasEvent) or (
            isinstance(event, NodeEvent) and event.anchor is not None
        ):
            raise _Problem(line, "anchors and aliases (& and *) are not allowed in a codebook")
        # The parser leaves tag None unless one is written out ("!" is YAML's "no tag").
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _ALLOWED_TAGS:
            shown = tag.replace(_TAG, "!!", 1)  # as it was written
            raise _Problem(line, f"the YAML tag '{shown}' is not allowed in a codebook")
        collection = isinstance(event, (MappingStartEvent, SequenceStartEvent))
        if collection:
            self._depth += 1
            if self._depth > _MAX_YAML_DEPTH:
                raise _Problem(
                    line, f"nested too deeply: codes may nest at most {MAX_DEPTH} levels"
                )
        try:
            return super().compose_node(parent, index)
        finally:
            if collection:
                self._depth -= 1


@dataclass
class _Raw:
    """A code as read from its mapping, before its path is known."""

    node: MappingNode
    name: str
    parent: str | None = None
    guid: str | None = None
    guid_node: Node | None = None
    shortcut: str | None = None
    shortcut_node: Node | None = None
    color: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    codable: bool = True
    children: list[_Raw] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def order(self) -> int:
        # Character offset, so flow-style codes on one line still keep file order.
        return self.node.start_mark.index

    def subtree(self) -> Iterator[tuple[str, _Raw]]:
        """(path relative to this code's parent, code) for this code and its nested codes."""
        yield self.name, self
        for child in self.children:
            for rel, code in child.subtree():
                yield f"{self.name}/{rel}", code


def _line(where: Node | int) -> int:
    return where if isinstance(where, int) else where.start_mark.line + 1


def _describe(node: Node) -> str:
    """What a value is, in words a researcher knows."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = str(node.value)
    return {
        _NULL: "nothing",
        _BOOL: f"true/false ({value})",
        _INT: f"a number ({value})",
        _FLOAT: f"a number ({value})",
        _TIMESTAMP: f"a date ({value})",
        _STR: f"text ('{value}')",
    }.get(node.tag, f"'{value}'")


def _quote_hint(node: Node) -> str:
    # YAML reads 2020, yes or 2024-05-01 as a number, bool or date; quotes make them text.
    if isinstance(node, ScalarNode) and node.tag in (_BOOL, _INT, _FLOAT, _TIMESTAMP):
        return f'; put it in quotes ("{node.value}") to make it text'
    return ""


def _syntax_problem(err: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line and a one-line reason for PyYAML's two-part (context, problem) errors."""
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem, context = err.problem, err.context
    if not (problem and context):
        return line, f"invalid YAML: {problem or context}"
    if not context.startswith("while "):  # e.g. "expected a single document in the stream"
        return line, f"invalid YAML: {context}, {problem}"
    # "while scanning a simple key": where it started is often the line the researcher must fix.
    started = ""
    if err.context_mark is not None and err.context_mark.line + 1 != line:
        started = f" that starts on line {err.context_mark.line + 1}"
    return line, f"invalid YAML: {problem} ({context}{started})"


def _closest(word: str, known: Iterable[str]) -> str | None:
    known = list(known)
    if _SYNONYMS.get(word.lower()) in known:
        return _SYNONYMS[word.lower()]
    match = difflib.get_close_matches(word.lower(), known, n=1, cutoff=0.6)
    return match[0] if match else None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.constructor = SafeConstructor()

    def fail(self, where: Node | int, reason: str) -> NoReturn:
        raise CodebookError(self.source, reason, _line(where))

    # --- the document ---

    def read(self, text: str) -> Codebook:
        root = self.compose(text)
        if root is None:
            self.fail(1, "the codebook is empty; it needs at least name: and codes:")
        if not isinstance(root, MappingNode):
            self.fail(root, f"the codebook must start with name: and codes:, not {_describe(root)}")
        fields = self.fields(root)
        self.check_known(fields, _TOP_FIELDS, "at the top of the codebook")
        if "name" not in fields:
            self.fail(root, "the codebook has no name: (e.g. name: My study codebook)")
        name = self.text(fields["name"][1], "the codebook's name", required=True)
        if not name.strip():
            self.fail(fields["name"][1], "the codebook's name is empty")
        description = ""
        if "description" in fields:
            description = self.text(fields["description"][1], "description") or ""
        version = self.version(fields["version"][1]) if "version" in fields else None
        magnitude = self.magnitude(fields["magnitude"][1]) if "magnitude" in fields else None
        if "codes" not in fields:
            self.fail(root, "the codebook has no codes: list")
        codes_node = fields["codes"][1]
        raws = self.code_list(codes_node, under=None)
        if not raws:
            self.fail(codes_node, "codes: is empty; a codebook needs at least one code")
        return Codebook(
            name=name.strip(),
            description=description,
            version=version,
            magnitude=magnitude,
            codes=_Tree(self).build(raws),
            source=self.source,
        )

    def compose(self, text: str) -> Node | None:
        try:
            loader = _Composer(text)  # the reader checks every character here already
            try:
                return loader.get_single_node()
            finally:
                loader.dispose()
        except _Problem as problem:
            self.fail(problem.line, problem.reason)
        except yaml.MarkedYAMLError as err:
            self.fail(*_syntax_problem(err))
        except yaml.reader.ReaderError as err:
            line = text.count("\n", 0, err.position) + 1
            self.fail(line, f"invalid YAML: character U+{err.character:04X} is not allowed")
        except yaml.YAMLError as err:
            self.fail(1, f"invalid YAML: {err}")

    # --- mappings and fields ---

    def fields(self, node: MappingNode) -> dict[str, tuple[ScalarNode, Node]]:
        """The mapping's entries by key, refusing keys that are not words or appear twice."""
        out: dict[str, tuple[ScalarNode, Node]] = {}
        for key, value in node.value:
            if not isinstance(key, ScalarNode):
                self.fail(key, f"a field name must be a plain word, not {_describe(key)}")
            if key.value in out:
                first = _line(out[key.value][0])
                self.fail(
                    key,
                    f"field '{key.value}' appears twice in one mapping (first on line {first});"
                    " YAML would silently keep only the last",
                )
            out[key.value] = (key, value)
        return out

    def check_known(
        self, fields: dict[str, tuple[ScalarNode, Node]], known: Iterable[str], where: str
    ) -> None:
        known = tuple(known)
        for key, (key_node, _) in fields.items():
            if key not in known:
                guess = _closest(key, known)
                hint = f" (did you mean '{guess}'?)" if guess else ""
                self.fail(key_node, f"unknown field '{key}' {where}{hint}")

    # --- typed values ---

    def text(self, node: Node, what: str, *, required: bool = False) -> str:
        """A text value; ``""`` for an empty optional one."""
        if isinstance(node, ScalarNode):
            if node.tag == _STR:
                return str(node.value)
            if node.tag == _NULL and not required:
                return ""
        self.fail(node, f"{what} must be text, not {_describe(node)}{_quote_hint(node)}")

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag == _BOOL:
            try:
                return bool(self.constructor.construct_yaml_bool(node))
            except KeyError:  # an explicit "!!bool maybe"
                pass
        self.fail(node, f"{what} must be true or false, not {_describe(node)}")

    def integer(self, node: Node) -> int | None:
        if isinstance(node, ScalarNode) and node.tag == _INT:
            try:
                return int(self.constructor.construct_yaml_int(node))
            except ValueError:  # an explicit "!!int abc"
                return None
        return None

    def version(self, node: Node) -> str | None:
        if isinstance(node, ScalarNode):
            # The text as written: version 1.10 must not become 1.1.
            if node.tag in (_STR, _INT, _FLOAT, _TIMESTAMP):
                return str(node.value)
            if node.tag == _NULL:
                return None
        self.fail(node, f"version must be text or a number, not {_describe(node)}")

    def magnitude(self, node: Node) -> MagnitudeScale | None:
        example = "(e.g. -1: Negative, 0: Neutral, 1: Positive)"
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return None
        if not isinstance(node, MappingNode):
            self.fail(node, f"magnitude must map whole numbers to labels {example}")
        labels: dict[int, str] = {}
        lines: dict[int, int] = {}
        for key, value in node.value:
            number = self.integer(key)
            if number is None:
                self.fail(
                    key,
                    f"magnitude values must be whole numbers like -2 or 1, not {_describe(key)}",
                )
            if number in labels:
                self.fail(
                    key,
                    f"magnitude value {number} appears twice (first on line {lines[number]})",
                )
            label = self.text(value, f"the label of magnitude {number}", required=True)
            if not label.strip():
                self.fail(value, f"the label of magnitude {number} is empty")
            labels[number] = label
            lines[number] = _line(key)
        if len(labels) < 2:
            self.fail(node, f"magnitude needs at least two values {example}")
        return MagnitudeScale(labels)

    # --- codes ---

    def code_list(self, node: Node, under: str | None) -> list[_Raw]:
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return []
        if not isinstance(node, SequenceNode):
            self.fail(
                node,
                f"codes: must be a list, each code starting with '- name:', not {_describe(node)}",
            )
        return [self.code(item, under) for item in node.value]

    def code(self, node: Node, under: str | None) -> _Raw:
        where = f" under '{under}'" if under else ""
        if not isinstance(node, MappingNode):
            self.fail(node, f"each code{where} must be a mapping with name:, not {_describe(node)}")
        fields = self.fields(node)
        if "name" not in fields:
            self.fail(node, f"a code{where} has no name:")
        name_node = fields["name"][1]
        name = self.text(name_node, f"the name of a code{where}").strip()
        if not name:
            self.fail(name_node, f"a code{where} has an empty name")
        if "/" in name:
            self.fail(
                name_node,
                f"code name '{name}' contains '/', which separates the levels of a path;"
                " nest the code under codes: or give it parent: instead",
            )
        if any(ch in name for ch in "\n\r\t"):
            self.fail(name_node, f"code name {name!r} must be one line of text")
        label = f"code '{name}'"
        self.check_known(fields, _CODE_FIELDS, f"in {label}")
        raw = _Raw(node=node, name=name)

        if "parent" in fields:
            key_node, parent_node = fields["parent"]
            if under is not None:
                self.fail(
                    key_node,
                    f"{label} is nested under '{under}' and also has parent:; use one or the other",
                )
            parent = self.text(parent_node, f"the parent of {label}", required=True)
            parts = [part.strip() for part in parent.split("/")]
            if not all(parts):
                self.fail(parent_node, f"the parent of {label} is not a code path: '{parent}'")
            raw.parent = "/".join(parts)
        if "guid" in fields:
            raw.guid_node = fields["guid"][1]
            raw.guid = self.guid(raw.guid_node, label)
        if "shortcut" in fields:
            raw.shortcut_node = fields["shortcut"][1]
            raw.shortcut = self.shortcut(raw.shortcut_node, label)
        if "color" in fields:
            raw.color = self.color(fields["color"][1], label)
        for key in _TEXT_FIELDS:
            if key in fields:
                raw.texts[key] = self.text(fields[key][1], f"{key} of {label}")
        if "keywords" in fields:
            raw.keywords = self.keywords(fields["keywords"][1], label)
        if "codable" in fields:
            raw.codable = self.boolean(fields["codable"][1], f"codable of {label}")
        if "codes" in fields:
            raw.children = self.code_list(fields["codes"][1], under=name)
        return raw

    def guid(self, node: Node, label: str) -> str | None:
        value = self.text(node, f"the guid of {label}")
        if not value:
            return None
        match = _GUID.fullmatch(value.strip())
        if match is None:
            self.fail(
                node,
                f"the guid of {label} is not a UUID: '{value}'"
                " (e.g. 8c1e2a34-5b6c-4d7e-8f90-a1b2c3d4e5f6)",
            )
        return str(uuid.UUID(match.group(1) or match.group(2)))

    def shortcut(self, node: Node, label: str) -> str | None:
        if isinstance(node, ScalarNode) and node.tag == _INT:
            # YAML reads shortcut: 1 as a number; the key the researcher means is its text.
            value = str(node.value)
        else:
            value = self.text(node, f"the shortcut of {label}")
            if not value:
                return None
        if not _SHORTCUT.fullmatch(value):
            self.fail(
                node,
                f"the shortcut of {label} must be one digit 0-9 or lowercase letter a-z,"
                f" not '{value}'",
            )
        return value

    def color(self, node: Node, label: str) -> str:
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            # The usual cause: color: #2E7D32 without quotes, where '#' starts a comment.
            self.fail(
                node,
                f"the color of {label} is empty; in YAML '#' starts a comment,"
                ' so write it in quotes: color: "#2E7D32"',
            )
        value = self.text(node, f"the color of {label}").strip()
        if not _COLOR.fullmatch(value):
            self.fail(
                node,
                f"the color of {label} must be #RRGGBB or #RGB (e.g. \"#2E7D32\"), not '{value}'",
            )
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(ch * 2 for ch in digits)
        return "#" + digits.upper()

    def keywords(self, node: Node, label: str) -> tuple[str, ...]:
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return ()
        if not isinstance(node, SequenceNode):
            self.fail(
                node,
                f"keywords of {label} must be a list of text (e.g. [training, coaching]),"
                f" not {_describe(node)}",
            )
        return tuple(
            self.text(item, f"each keyword of {label}", required=True) for item in node.value
        )


class _Tree:
    """Places the codes read from the file into one tree of paths, then checks it as a whole."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.placed: dict[str, tuple[_Raw, str | None, int]] = {}  # path -> (code, parent, depth)
        self.under: dict[str | None, list[str]] = {}

    def build(self, top: list[_Raw]) -> list[CodeDef]:
        # Codes with parent: may name a parent that comes later in the file, or that itself
        # has parent:, so they wait until the parent's path exists.
        waiting: dict[str, list[_Raw]] = {}
        ready: list[str] = []
        for raw in top:
            if raw.parent is None:
                ready += self.place(raw, None, 1)
            else:
                waiting.setdefault(raw.parent, []).append(raw)
        while ready:
            path = ready.pop()
            for raw in waiting.pop(path, []):
                ready += self.place(raw, path, self.placed[path][2] + 1)
        if waiting:
            self.unplaced([raw for group in waiting.values() for raw in group])

        codes: list[CodeDef] = []
        self.collect(None, codes)
        self.check_unique(codes)
        return codes

    def place(self, raw: _Raw, parent: str | None, depth: int) -> list[str]:
        """Place a code and its nested codes; returns the new paths."""
        if depth > MAX_DEPTH:
            self.reader.fail(
                raw.node,
                f"code '{raw.name}' is nested {depth} levels deep; at most {MAX_DEPTH} are allowed",
            )
        path = raw.name if parent is None else f"{parent}/{raw.name}"
        if path in self.placed:
            first, second = sorted((self.placed[path][0], raw), key=lambda r: r.order)
            where = f"under '{parent}'" if parent else "at the top level"
            self.reader.fail(
                second.node,
                f"two codes named '{raw.name}' {where} (lines {first.line} and {second.line});"
                " sibling codes need different names",
            )
        self.placed[path] = (raw, parent, depth)
        self.under.setdefault(parent, []).append(path)
        paths = [path]
        for child in raw.children:
            paths += self.place(child, path, depth + 1)
        return paths

    def unplaced(self, floating: list[_Raw]) -> NoReturn:
        """Explain why codes with parent: found no parent: a cycle, or a missing path."""
        floating.sort(key=lambda r: r.order)

        # A floating code points at another floating code when its parent: path ends with a
        # path inside that code's subtree: it would resolve if the other one did.
        def points_to(raw: _Raw) -> list[_Raw]:
            assert raw.parent is not None
            return [
                other
                for other in floating
                if any(
                    raw.parent == rel or raw.parent.endswith("/" + rel)
                    for rel, _ in other.subtree()
                )
            ]

        edges = {id(raw): points_to(raw) for raw in floating}
        for start in floating:
            trail = [start]
            seen = {id(start)}
            while edges[id(trail[-1])]:
                nxt = edges[id(trail[-1])][0]
                if id(nxt) in seen:
                    cycle = trail[[id(r) for r in trail].index(id(nxt)) :]
                    names = " → ".join(f"'{r.name}'" for r in [*cycle, cycle[0]])
                    self.reader.fail(
                        min(cycle, key=lambda r: r.order).node,
                        f"codes form a cycle through parent: {names};"
                        " one of them must be at the top level or nested under another code",
                    )
                trail.append(nxt)
                seen.add(id(nxt))
        raw = next(r for r in floating if not edges[id(r)])
        assert raw.parent is not None
        last = raw.parent.rsplit("/", 1)[-1]
        guesses = [p for p in self.placed if p.rsplit("/", 1)[-1] == last]
        guesses = guesses or difflib.get_close_matches(raw.parent, list(self.placed), n=1)
        hint = " (did you mean " + " or ".join(f"'{g}'" for g in guesses[:3]) + "?)"
        self.reader.fail(
            raw.node,
            f"the parent '{raw.parent}' of code '{raw.name}' does not exist"
            + (hint if guesses else ""),
        )

    def collect(self, parent: str | None, out: list[CodeDef]) -> None:
        children = sorted(self.under.get(parent, []), key=lambda p: self.placed[p][0].order)
        for path in children:
            raw = self.placed[path][0]
            out.append(
                CodeDef(
                    name=raw.name,
                    path=path,
                    parent_path=parent,
                    guid=raw.guid or code_guid(path),
                    color=raw.color,
                    shortcut=raw.shortcut,
                    keywords=raw.keywords,
                    codable=raw.codable,
                    line=raw.line,
                    **raw.texts,
                )
            )
            self.collect(path, out)

    def check_unique(self, codes: list[CodeDef]) -> None:
        """Shortcuts and GUIDs identify a code across the whole codebook."""

        def raw_of(code: CodeDef) -> _Raw:
            return self.placed[code.path][0]

        # Where each value was written; a default guid belongs to the code's own line.
        def shortcut_at(code: CodeDef) -> Node:
            return raw_of(code).shortcut_node or raw_of(code).node

        def guid_at(code: CodeDef) -> Node:
            raw = raw_of(code)
            return raw.guid_node if raw.guid_node is not None and raw.guid else raw.node

        shortcuts: dict[str, CodeDef] = {}
        guids: dict[str, CodeDef] = {}
        for code in sorted(codes, key=lambda c: raw_of(c).order):
            if code.shortcut is not None:
                first = shortcuts.setdefault(code.shortcut, code)
                if first is not code:
                    self.reader.fail(
                        shortcut_at(code),
                        f"shortcut '{code.shortcut}' of code '{code.path}' is already used by"
                        f" code '{first.path}' (line {_line(shortcut_at(first))})",
                    )
            first = guids.setdefault(code.guid, code)
            if first is not code:
                default = "" if raw_of(code).guid else " (its default guid, from its path)"
                self.reader.fail(
                    guid_at(code),
                    f"guid {code.guid} of code '{code.path}'{default} is already used by"
                    f" code '{first.path}' (line {_line(guid_at(first))})",
                )
