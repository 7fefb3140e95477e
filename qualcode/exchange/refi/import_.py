"""Importing a REFI-QDA project (``.qdpx``, a bare ``.qde``) or codebook (``.qdc``).

The file is read and checked first (the whole document, which is safe XML, and every text);
then one transaction writes codes, coders, informants, sources with their segments, codings and
memos, each with its audit entry. A failure anywhere writes nothing.

Large files are never held whole (a project of a million codings has a ``project.qde`` of about
700 MB): the first pass over the document keeps everything but the sources' selections, and the
texts are checked one at a time and dropped; how the file counts positions is decided from a
sample of selections (in a pass of its own when there is a choice); then the transaction reads
the document again source by source, placing each source's selections and writing its codings in
batches of ``CODING_BATCH``.

What qualcode cannot hold is reported, never dropped silently: a source whose text is missing or
empty, a selection on a picture, PDF page, audio or video, a selection that cannot be placed in
its text, a coding of an unknown code. ``RefiImportReport.accounted()`` checks that every
``<Coding>`` of the file was imported, found already present, or reported.
"""

from __future__ import annotations

import codecs
import json
from array import array
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import insert, text
from sqlmodel import Session, select

from qualcode.core.codebook import MagnitudeScale
from qualcode.core.errors import InputError, QualcodeError
from qualcode.core.segmentation import SEGMENT_MODES, segment_text
from qualcode.core.text import EMPTY, decode
from qualcode.exchange.refi.codes import merge_codes
from qualcode.exchange.refi.fields import (
    MAGNITUDE_VARIABLE,
    parse_scale_description,
    parse_selection_description,
)
from qualcode.exchange.refi.load import Loaded, load
from qualcode.exchange.refi.model import (
    RefiCode,
    RefiCoding,
    RefiFile,
    RefiSelection,
    RefiTextSource,
    is_uuid,
)
from qualcode.exchange.refi.positions import (
    STANDARD,
    Interpretation,
    SourceText,
    Tally,
    TextTraits,
    candidates,
    place,
    sample,
)
from qualcode.exchange.refi.report import Moved, NotPlaced, RefiImportReport, count, short
from qualcode.exchange.refi.safety import DEFAULT_LIMITS, Limits
from qualcode.exchange.refi.store import Guids, save_sets, stored_sets
from qualcode.ingest.importer import sha256_of
from qualcode.storage.codes import magnitude_scale
from qualcode.storage.codings import coder_id, coding_ids_by_key, imported_detail
from qualcode.storage.models import (
    SOURCE_KINDS,
    AuditEntry,
    Coding,
    Informant,
    Memo,
    Source,
    utcnow,
)
from qualcode.storage.project import Project, audit, get_setting, set_setting
from qualcode.storage.sources import insert_segments

REFI_SUFFIXES = (".qdpx", ".qde", ".qdc")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _table(model: type) -> Any:
    """The Core table of a model: Core executemany is one statement for any number of rows."""
    return model.__table__  # type: ignore[attr-defined]


# --- planning: texts and positions -------------------------------------------------------------

#: Codings written per executemany; a file's codings are never all held at once.
CODING_BATCH = 20_000


@dataclass
class _SourcePlan:
    """A text source of the file as first read: without its selections, its text checked (and
    dropped: it is read again when the source is written)."""

    refi: RefiTextSource
    name: str
    encoding: str = "utf-8"
    reason: str = ""  # why it is not imported; empty when its text can be
    sampled: list[int] = field(default_factory=list)  # its selections the detection checks


@dataclass
class _Reading:
    """How the sources are read a second time, to be written: positions counted as ``how``."""

    loaded: Loaded
    plans: list[_SourcePlan]
    how: Interpretation = STANDARD
    tally: Tally | None = None  # filled while writing when there was only one way to count


def _source_text(
    loaded: Loaded, source: RefiTextSource, name: str
) -> tuple[SourceText | None, str, str, str | None]:
    """A source's text, its encoding, why it has none, and a warning about its decoding."""
    raw: bytes | None = None
    why = "it has neither a plainTextPath nor PlainTextContent"
    if source.plain_text_path:
        raw, why = loaded.read_text(source.plain_text_path)
    if raw is None and source.content is not None:
        raw, why = source.content.encode("utf-8"), ""
    if raw is None:
        return None, "utf-8", why, None
    try:
        decoded = decode(raw, name)
    except InputError as err:
        return None, "utf-8", "its text is empty" if err.reason == EMPTY else err.reason, None
    text = SourceText(decoded.text, raw.startswith(_BOMS))
    if not text.text.strip():
        return None, decoded.encoding, "its text is empty", decoded.warning
    return text, decoded.encoding, "", decoded.warning


def _text_again(loaded: Loaded, plan: _SourcePlan, source: RefiTextSource) -> SourceText:
    """A source's text read again (it is not kept between passes)."""
    text_ = _source_text(loaded, source, plan.name)[0]
    if text_ is None:
        raise InputError(loaded.where, f"source '{plan.name}': its text changed while it was read")
    return text_


def _plan_sources(loaded: Loaded, report: RefiImportReport) -> _Reading:
    """Check every source's text, then choose how the file counts positions from a sample of
    its selections (read in a pass of their own when there is a choice to make)."""
    plans = []
    traits: list[TextTraits] = []
    for source in loaded.refi.sources:
        name = source.name or source.guid
        if source.element == "PDFSource":
            name = source.name or f"PDF {source.guid}"
        plan = _SourcePlan(source, name)
        text, plan.encoding, plan.reason, warning = _source_text(loaded, source, name)
        if warning:
            report.warnings.append(f"source '{name}': {warning}")
        if text is not None and source.selection_count:
            traits.append(TextTraits.of(text))
        plans.append(plan)
    reading = _Reading(loaded, plans)
    with_text = [plan for plan in plans if not plan.reason]
    wanted = iter(sample(sum(plan.refi.selection_count for plan in with_text)))
    k, offset = next(wanted, None), 0
    for plan in with_text:
        end = offset + plan.refi.selection_count
        while k is not None and k < end:
            plan.sampled.append(k - offset)
            k = next(wanted, None)
        offset = end
    if not traits:
        return reading
    tally = Tally(candidates(traits))
    if len(tally.options) == 1:  # nothing to choose: the sample is checked while writing
        reading.how, reading.tally = tally.options[0], tally
        return reading
    last = max(i for i, plan in enumerate(plans) if plan.sampled)
    with closing(loaded.text_sources()) as sources:
        for plan, source in zip(plans[: last + 1], sources, strict=False):
            if plan.sampled:
                text_ = _text_again(loaded, plan, source)
                for i in plan.sampled:
                    sel = source.selections[i]
                    tally.add(text_, sel.start, sel.end, sel.name)
    report.detection = tally.result()
    reading.how = report.detection.chosen
    return reading


# --- writing -----------------------------------------------------------------------------------


def import_refi(
    project: Project,
    path: Path,
    *,
    actor: str = "qualcode",
    segment_by: str = "turn",
    strict: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> RefiImportReport:
    """Import a REFI-QDA file into ``project`` in one transaction; see the module docstring."""
    if segment_by not in SEGMENT_MODES:
        raise QualcodeError(f"unknown segmentation '{segment_by}'")
    with load(path, limits) as loaded:
        refi = loaded.refi
        report = RefiImportReport(
            path=path,
            kind=refi.kind,
            name=refi.name,
            origin=refi.origin,
            xml_codings=loaded.xml_codings,
        )
        reading = _plan_sources(loaded, report) if refi.kind == "project" else None
        with project.write() as session:
            _Writer(session, refi, reading, report, actor, segment_by).run()
            _refuse_if_strict(path, report, strict)
    return report


def _refuse_if_strict(path: Path, report: RefiImportReport, strict: bool) -> None:
    """``--strict``: anything not placed or not imported undoes the whole import."""
    if not strict or not (report.not_placed or report.sources_skipped):
        return
    first = (
        report.not_placed[0].describe()
        if report.not_placed
        else f"'{report.sources_skipped[0][0]}': {report.sources_skipped[0][1]}"
    )
    raise InputError(
        path,
        f"--strict: {count(len(report.not_placed), 'selection')} not placed and "
        f"{count(len(report.sources_skipped), 'source')} not imported "
        f"(first: {first}); nothing imported",
    )


class _Writer:
    def __init__(
        self,
        session: Session,
        refi: RefiFile,
        reading: _Reading | None,
        report: RefiImportReport,
        actor: str,
        segment_by: str,
    ) -> None:
        self.s = session
        self.refi = refi
        self.reading = reading
        self.plans = reading.plans if reading is not None else []
        self.report = report
        self.actor = actor
        self.segment_by = segment_by
        self.guids = Guids(session)
        self.code_ids: dict[str, int] = {}  # file code GUID -> code id
        self.code_codable: dict[int, bool] = {}
        self.coders: dict[str, int] = {}  # file user GUID -> coder id
        self.informant_of_source: dict[str, int] = {}
        self.source_ids: dict[str, int] = {}  # file source GUID -> source id
        self.kind_of_source: dict[str, str] = {}
        self.memo_targets: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
        self._memo_rows: list[dict[str, Any]] = []
        self._note_links: list[tuple[tuple[int, ...], list[str]]] = []
        # Every coding written, in the order written, for its audit entry (written last).
        # id, source, code, coder, start, end
        self._written = tuple(array("q") for _ in range(6))
        self.case_ids: dict[str, int] = {}  # file case GUID -> informant id
        self.scale: MagnitudeScale | None = None
        self.now = utcnow()

    def run(self) -> None:
        self.codes()
        if self.refi.kind == "project":
            self.users()
            self.scale = self.magnitude_scale()
            self.informants()
            self.sources()
            self.media()
            self.memos()
            if not get_setting(self.s, "project_name") and self.refi.name:
                set_setting(self.s, "project_name", self.refi.name)
            self.guids.save(self.s)
        self.sets()
        if get_setting(self.s, "codebook") is None and self.report.codes_added:
            name = self.refi.name or self.report.path.stem
            set_setting(self.s, "codebook", {"name": name, "version": None})
        audit(
            self.s,
            self.actor,
            "import",
            "refi",
            None,
            file=self.report.path.name,
            origin=self.refi.origin,
            codes=len(self.report.codes_added),
            sources=len(self.report.sources_imported),
            codings=self.report.codings_imported,
            not_placed=self.report.codings_not_placed,
        )

    def codes(self) -> None:
        self.code_ids, self.code_codable = merge_codes(
            self.s, self.refi.codes, self.report, self.actor
        )

    # -- coders --
    def users(self) -> None:
        known_before = set(self._coder_names())
        for user in self.refi.users:
            self.coders[user.guid] = self._coder(user.name or user.guid, user.guid)
        self.report.coders_added = sorted(set(self._coder_names()) - known_before)

    def _coder_names(self) -> list[str]:
        return list(self.s.connection().execute(text("SELECT name FROM coder")).scalars())

    def _coder(self, name: str, guid: str | None) -> int:
        row_id = coder_id(self.s, name, self.actor)
        if guid and str(row_id) not in self.guids.stored["coder"]:
            self.guids.remember("coder", row_id, guid)
        return row_id

    def coder_for(self, *users: str | None) -> int:
        """The coder of the first user GUID given that the file names; else the importer."""
        for user in (*users, self.refi.creating_user):
            if user:
                if user not in self.coders:
                    self.coders[user] = self._coder(user, user)
                    self.report.coders_added.append(user)
                return self.coders[user]
        return self._coder(self.actor, None)

    # -- magnitude scale --
    def magnitude_scale(self) -> MagnitudeScale | None:
        current = magnitude_scale(self.s)
        for var in self.refi.variables:
            if var.name.casefold() != MAGNITUDE_VARIABLE:
                continue
            scale = parse_scale_description(var.description)
            if scale is None:
                continue
            if current is None:
                set_setting(self.s, "magnitude_scale", {str(k): v for k, v in scale.labels.items()})
                return scale
            if current != scale:
                self.report.warnings.append(
                    "the file's magnitude scale differs from the project's; the project's is kept"
                )
        return current

    # -- informants --
    def informants(self) -> None:
        variables = {v.guid: v for v in self.refi.variables}
        names_in_file: set[str] = set()
        for case in self.refi.cases:
            name = " ".join(case.name.split()) or f"case {case.guid[:8]}"
            if name in names_in_file:
                n = 2
                while f"{name} ({n})" in names_in_file:
                    n += 1
                self.report.warnings.append(
                    f"two cases named '{name}'; the second is '{name} ({n})'"
                )
                name = f"{name} ({n})"
            names_in_file.add(name)
            role = pseudonym = None
            attributes: dict[str, Any] = {}
            for var_guid, value in case.values:
                var = variables.get(var_guid)
                if var is None:
                    continue
                key = var.name.casefold()
                if key == "role":
                    role = None if value is None else str(value)
                elif key == "pseudonym":
                    pseudonym = None if value is None else str(value)
                elif key == MAGNITUDE_VARIABLE:
                    continue
                else:
                    attributes[var.name.removeprefix("attribute: ")] = self._attribute(value)
            row = self.s.exec(select(Informant).where(Informant.name == name)).first()
            if row is None:
                row = Informant(
                    name=name,
                    role=role,
                    pseudonym=pseudonym,
                    attributes=json.dumps(attributes, ensure_ascii=False),
                )
                self.s.add(row)
                self.s.flush()
                audit(self.s, self.actor, "create", "informant", row.id, name=name, role=role)
                self.report.informants_added.append(name)
            else:
                changes: dict[str, object] = {}
                if role and role != row.role:
                    changes["role"] = row.role = role
                if pseudonym and pseudonym != row.pseudonym:
                    changes["pseudonym"] = row.pseudonym = pseudonym
                merged = {**json.loads(row.attributes or "{}"), **attributes}
                if merged != json.loads(row.attributes or "{}"):
                    row.attributes = json.dumps(merged, ensure_ascii=False)
                    changes["attributes"] = attributes
                if changes:
                    self.s.add(row)
                    audit(self.s, self.actor, "update", "informant", row.id, **changes)
                    self.report.informants_updated.append(name)
            assert row.id is not None
            self.case_ids[case.guid] = row.id
            if str(row.id) not in self.guids.stored["informant"]:
                self.guids.remember("informant", row.id, case.guid)
            for source_guid in case.source_refs:
                first = self.informant_of_source.setdefault(source_guid, row.id)
                if first != row.id:
                    self.report.warnings.append(
                        f"source {source_guid} belongs to more than one case; kept the first"
                    )
            if case.selection_refs or case.code_refs:
                self.report.warnings.append(
                    f"case '{name}': {case.selection_refs} selection and {case.code_refs} code "
                    "references are not imported (qualcode links informants to whole sources)"
                )

    def _attribute(self, value: object) -> object:
        """qualcode writes a list or mapping attribute as JSON text; read it back as one."""
        if (
            isinstance(value, str)
            and value[:1] in ("[", "{")
            and self.refi.origin.startswith("qualcode")
        ):
            try:
                decoded = json.loads(value)
            except ValueError:
                return value
            if isinstance(decoded, list | dict):
                return decoded
        return value

    # -- sources and codings --
    def sources(self) -> None:
        for item in self.refi.sets:
            kind = item.name.removeprefix("kind: ").strip()
            if item.name.startswith("kind: ") and kind in SOURCE_KINDS:
                for guid in item.sources:
                    self.kind_of_source.setdefault(guid, kind)
        assert self.reading is not None
        existing = self.s.connection().execute(text("SELECT id, sha256, name FROM source")).all()
        by_sha = {sha: (row_id, name) for row_id, sha, name in existing}
        names = {name for _, _, name in existing}
        known = {row_id for row_id, _, _ in existing}  # sources that may have codings already
        rows: list[dict[str, Any]] = []
        reading = self.reading
        with closing(reading.loaded.text_sources()) as sources:
            for plan, source in zip(self.plans, sources, strict=False):
                if plan.reason:
                    self._skip_source(plan, source)
                    continue
                text_ = _text_again(reading.loaded, plan, source)
                source_id = self._source_row(plan, text_, by_sha, names)
                self.source_ids[plan.refi.guid] = source_id
                if source_id in known:  # merged into a source with codings: flush, then look
                    self._insert_codings(rows)
                    rows = []
                    keys = self._existing_keys(source_id)
                else:
                    keys = set()
                known.add(source_id)
                if reading.tally is not None:
                    for i in plan.sampled:
                        sel = source.selections[i]
                        reading.tally.add(text_, sel.start, sel.end, sel.name)
                self._source_codings(plan, source, text_, source_id, keys, rows)
                if len(rows) >= CODING_BATCH:
                    self._insert_codings(rows)
                    rows = []
        self._insert_codings(rows)
        self._link_notes()
        self._audit_codings()
        if reading.tally is not None:
            self.report.detection = reading.tally.result()

    def _source_codings(
        self,
        plan: _SourcePlan,
        source: RefiTextSource,
        text_: SourceText,
        source_id: int,
        keys: set[tuple[int, ...]],
        rows: list[dict[str, Any]],
    ) -> None:
        assert self.reading is not None
        for coding in source.codings:  # codings of the whole source
            self._coding_row(plan, None, coding, (0, len(text_.text)), source_id, keys, rows)
        for sel in source.selections:
            placement = place(text_, sel.start, sel.end, sel.name, self.reading.how)
            if not placement.placed:
                self._not_placed(plan.name, sel, len(sel.codings), placement.note)
                continue
            assert placement.start is not None and placement.end is not None
            if placement.status == "moved":
                self.report.moved.append(Moved(plan.name, sel.guid or "", sel.name, placement.note))
            elif placement.status == "label":
                self.report.labels.append(
                    Moved(plan.name, sel.guid or "", sel.name, placement.note)
                )
            span = (placement.start, placement.end)
            if not sel.codings:
                self._uncoded(plan, sel, span, source_id)
            for coding in sel.codings:
                self._coding_row(plan, sel, coding, span, source_id, keys, rows)

    def _skip_source(self, plan: _SourcePlan, source: RefiTextSource) -> None:
        self.report.sources_skipped.append((plan.name, plan.reason))
        if source.codings:
            self.report.not_placed.append(
                NotPlaced(
                    plan.name,
                    source.guid,
                    None,
                    None,
                    "",
                    len(source.codings),
                    f"whole-source codings; the source is not imported ({plan.reason})",
                )
            )
        for sel in source.selections:
            self._not_placed(
                plan.name, sel, len(sel.codings), f"source not imported: {plan.reason}"
            )

    def _not_placed(self, source: str, sel: RefiSelection, codings: int, reason: str) -> None:
        self.report.not_placed.append(
            NotPlaced(source, sel.guid or "", sel.raw_start, sel.raw_end, sel.name, codings, reason)
        )

    def _source_row(
        self,
        plan: _SourcePlan,
        text_: SourceText,
        by_sha: dict[str, tuple[int, str]],
        names: set[str],
    ) -> int:
        normalized = text_.text
        sha = sha256_of(normalized)
        same = by_sha.get(sha)
        if same is not None:
            self.report.sources_merged.append((plan.name, same[1]))
            return same[0]
        name = plan.name
        if name in names:
            n = 2
            while f"{name} ({n})" in names:
                n += 1
            self.report.warnings.append(
                f"a different source named '{name}' is already in the project; "
                f"imported as '{name} ({n})'"
            )
            name = f"{name} ({n})"
        names.add(name)
        informant_id = self.informant_of_source.get(plan.refi.guid)
        kind = self.kind_of_source.get(plan.refi.guid)
        if kind is None:
            kind = "interview" if informant_id is not None else "document"
        segments = segment_text(normalized, self.segment_by, turns=kind != "document")
        filename = None
        if plan.refi.plain_text_path:
            filename = PurePosixPath(plan.refi.plain_text_path.replace("\\", "/")).name or None
        row = Source(
            name=name,
            kind=kind,
            filename=filename,
            sha256=sha,
            encoding=plan.encoding,
            segmented_by=self.segment_by,
            text=normalized,
            informant_id=informant_id,
        )
        self.s.add(row)
        self.s.flush()
        assert row.id is not None
        insert_segments(self.s.connection(), [(row.id, segments)])
        audit(
            self.s,
            self.actor,
            "import",
            "source",
            row.id,
            name=name,
            file=self.report.path.name,
            refi_guid=plan.refi.guid,
            sha256=sha,
            segments=len(segments),
            kind=kind,
        )
        by_sha[sha] = (row.id, name)
        self.report.sources_imported.append(name)
        if str(row.id) not in self.guids.stored["source"]:
            self.guids.remember("source", row.id, plan.refi.guid)
        return row.id

    def _existing_keys(self, source_id: int) -> set[tuple[int, ...]]:
        sql = text(
            'SELECT source_id, code_id, coder_id, start, "end" FROM coding WHERE source_id = :id'
        )
        return {tuple(r) for r in self.s.connection().execute(sql, {"id": source_id})}

    def _coding_row(
        self,
        plan: _SourcePlan,
        sel: RefiSelection | None,
        coding: RefiCoding,
        span: tuple[int, int],
        source_id: int,
        keys: set[tuple[int, ...]],
        rows: list[dict[str, Any]],
    ) -> None:
        code_id = self.code_ids.get(coding.code_guid or "")
        if code_id is None:
            reason = f"refers to code {coding.code_guid or '(none)'}, not in the codebook"
            self.report.not_placed.append(
                NotPlaced(
                    plan.name,
                    (sel.guid if sel else plan.refi.guid) or "",
                    sel.raw_start if sel else None,
                    sel.raw_end if sel else None,
                    sel.name if sel else "",
                    1,
                    reason,
                )
            )
            return
        coder = self.coder_for(coding.user, sel.user if sel else None, plan.refi.user)
        key = (source_id, code_id, coder, span[0], span[1])
        refs = [*(sel.note_refs if sel else []), *coding.note_refs]
        if refs:  # notes on a coding already present still belong to it
            self._note_links.append((key, refs))
        if key in keys:
            self.report.codings_present += 1
            return
        keys.add(key)
        magnitude, memo = parse_selection_description(sel.description) if sel else (None, None)
        if magnitude is not None and (self.scale is None or not self.scale.contains(magnitude)):
            self.report.warnings.append(
                f"'{plan.name}' [{span[0]}, {span[1]}): magnitude {magnitude} is not on the "
                "project's scale; the coding is imported without it"
            )
            magnitude = None
        created = coding.created or (sel.created if sel else None) or self.now
        updated = (sel.modified if sel else None) or created
        if not self.code_codable.get(code_id, True):
            self.report.warnings.append(
                f"'{plan.name}' [{span[0]}, {span[1]}): applies a grouping code (isCodable "
                "false); imported as it is"
            )
        rows.append(
            {
                "source_id": source_id,
                "code_id": code_id,
                "coder_id": coder,
                "start": span[0],
                "end": span[1],
                "magnitude": magnitude,
                "memo": memo,
                "created_at": created,
                "updated_at": updated,
            }
        )

    def _uncoded(
        self, plan: _SourcePlan, sel: RefiSelection, span: tuple[int, int], source_id: int
    ) -> None:
        """A selection without codes: not a coding; its comment and notes go to the source."""
        label = f"[{span[0]}, {span[1]})"
        kept = " (its comment is kept as a memo on the source)" if sel.description else ""
        self.report.warnings.append(
            f"'{plan.name}' {label} \"{short(sel.name)}\": a selection without codes, "
            f"so no coding{kept}"
        )
        if sel.description:
            self._memo_rows.append(
                {
                    "target": "source",
                    "target_id": source_id,
                    "coder": sel.user,
                    "title": f"comment on an uncoded selection {label}",
                    "text": sel.description,
                    "created": sel.created,
                    "updated": sel.modified,
                }
            )
        for note in sel.note_refs:
            self.memo_targets[note].append(("source", source_id))

    def _insert_codings(self, rows: list[dict[str, Any]]) -> None:
        """Write a batch of codings and keep their ids (in the order written) for the audit.

        A plain executemany, then the ids by key: INSERT ... RETURNING over tens of thousands
        of rows is quadratic in SQLAlchemy's result splicing."""
        if not rows:
            return
        conn = self.s.connection()
        conn.execute(insert(_table(Coding)), rows)
        by_key = coding_ids_by_key(conn, {row["source_id"] for row in rows})
        ids, *columns = self._written
        for r in rows:
            key = (r["source_id"], r["code_id"], r["coder_id"], r["start"], r["end"])
            ids.append(by_key[key])
            for column, value in zip(columns, key, strict=True):
                column.append(value)
        self.report.codings_imported += len(rows)

    def _link_notes(self) -> None:
        """Notes on codings (the file's selections and codings) become memos on their codings."""
        wanted: dict[int, set[tuple[int, ...]]] = defaultdict(set)  # by source id
        for key, _ in self._note_links:
            wanted[key[0]].add(key)
        by_key: dict[tuple[int, ...], int] = {}
        source_ids = sorted(wanted)
        for i in range(0, len(source_ids), 500):  # a few hundred sources' codings at a time
            chunk = source_ids[i : i + 500]
            found = coding_ids_by_key(self.s.connection(), set(chunk))
            by_key.update((key, found[key]) for source_id in chunk for key in wanted[source_id])
        for key, refs in self._note_links:
            for note in refs:
                self.memo_targets[note].append(("coding", by_key[key]))

    def _audit_codings(self) -> None:
        ids, *columns = self._written
        origin = f"refi:{self.report.path.name}"
        conn = self.s.connection()
        for i in range(0, len(ids), CODING_BATCH):
            conn.execute(
                insert(_table(AuditEntry)),
                [
                    {
                        "at": self.now,
                        "actor": self.actor,
                        "action": "create",
                        "entity": "coding",
                        "entity_id": ids[k],
                        "detail": imported_detail(origin, *(c[k] for c in columns)),
                    }
                    for k in range(i, min(i + CODING_BATCH, len(ids)))
                ],
            )

    def media(self) -> None:
        for source in self.refi.media:
            what = {
                "PictureSource": "picture",
                "PDFSource": "PDF page region",
                "AudioSource": "audio",
                "VideoSource": "video",
            }[source.element]
            name = source.name or source.guid
            for guid, sel_name, codings in source.selections:
                self.report.not_placed.append(
                    NotPlaced(
                        name,
                        guid or "",
                        None,
                        None,
                        sel_name,
                        codings,
                        f"a {what} selection; qualcode imports text selections only",
                    )
                )
            if source.codings:
                self.report.not_placed.append(
                    NotPlaced(
                        name,
                        source.guid,
                        None,
                        None,
                        "",
                        source.codings,
                        f"codings of a whole {what} source; qualcode imports text only",
                    )
                )

    # -- memos --
    def memos(self) -> None:
        for ref in self.refi.project_note_refs:
            self.memo_targets[ref].append(("project", None))
        self._code_note_refs(self.refi.codes)
        for plan in self.plans:
            source_id = self.source_ids.get(plan.refi.guid)
            for ref in plan.refi.note_refs:
                self.memo_targets[ref].append(
                    ("source", source_id) if source_id is not None else ("project", None)
                )
        cases = {c.guid for c in self.refi.cases}
        informant_ids = self.case_ids
        notes = {n.guid for n in self.refi.notes}
        ignored = 0
        for link in self.refi.links:
            origin, target = link.origin, link.target
            if origin in cases and target in notes:
                origin, target = target, origin
            if origin in notes and target in cases and target in informant_ids:
                self.memo_targets[origin or ""].append(("informant", informant_ids[target or ""]))
            else:
                ignored += 1
        if ignored:
            self.report.warnings.append(
                f"{ignored} links (relations between objects) are not imported"
            )
        if self.refi.graphs:
            self.report.warnings.append(f"{self.refi.graphs} graphs (networks) are not imported")
        existing = {(m.target, m.target_id, m.title, m.text) for m in self.s.exec(select(Memo))}
        for note in self.refi.notes:
            targets = self.memo_targets.get(note.guid) or [("project", None)]
            if len(targets) > 1:
                self.report.warnings.append(
                    f"note '{note.name or note.guid}' is attached to {len(targets)} objects; "
                    "kept on the first"
                )
            body = (
                note.text
                if not note.description
                else (f"{note.description}\n\n{note.text}" if note.text else note.description)
            )
            self._memo_rows.append(
                {
                    "target": targets[0][0],
                    "target_id": targets[0][1],
                    "coder": note.user,
                    "title": note.name,
                    "text": body,
                    "created": note.created,
                    "updated": note.modified,
                }
            )
        for item in self._memo_rows:
            key = (item["target"], item["target_id"], item["title"], item["text"])
            if key in existing:
                continue
            existing.add(key)
            coder = self.coders.get(item["coder"]) if item["coder"] else None
            created = item["created"] or self.now
            memo = Memo(
                target=item["target"],
                target_id=item["target_id"],
                coder_id=coder,
                title=item["title"],
                text=item["text"],
                created_at=created,
                updated_at=item["updated"] or created,
            )
            self.s.add(memo)
            self.s.flush()
            audit(
                self.s,
                self.actor,
                "create",
                "memo",
                memo.id,
                target=memo.target,
                target_id=memo.target_id,
            )
            self.report.memos += 1

    def _code_note_refs(self, codes: list[RefiCode]) -> None:
        stack = list(codes)
        while stack:
            code = stack.pop()
            code_id = self.code_ids.get(code.guid or "")
            for ref in code.note_refs:
                self.memo_targets[ref].append(("code", code_id) if code_id else ("project", None))
            stack.extend(code.children)

    # -- sets --
    def sets(self) -> None:
        kept = {item["guid"]: item for item in stored_sets(self.s)}
        count = 0
        for item in self.refi.sets:
            if item.name.startswith("kind: ") and item.name[6:].strip() in SOURCE_KINDS:
                continue  # read as the sources' kinds
            guid = item.guid or ""
            if not is_uuid(guid):
                self.report.warnings.append(f"set '{item.name}' has no GUID; not kept")
                continue
            kept[guid] = {
                "guid": guid,
                "name": item.name,
                "description": item.description,
                "codes": [g for g in item.codes if g in self.code_ids],
                "sources": item.sources,
            }
            count += 1
            if item.notes:
                self.report.warnings.append(
                    f"set '{item.name}': {len(item.notes)} note members are not kept"
                )
        if count:
            save_sets(self.s, sorted(kept.values(), key=lambda s: (s["name"], s["guid"])))
        self.report.sets_kept = count


def is_refi_file(path: Path) -> bool:
    return path.suffix.lower() in REFI_SUFFIXES
