"""What an import did, and everything it could not do: the report printed after an import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.exchange.refi.positions import Detection


@dataclass
class NotPlaced:
    """A selection (with its codings) that is not in the project, and why."""

    source: str
    selection: str
    start: str | None
    end: str | None
    name: str
    codings: int
    reason: str

    def describe(self) -> str:
        where = f" [{self.start}, {self.end})" if self.start is not None else ""
        label = f' "{short(self.name)}"' if self.name else ""
        count = f", {self.codings} coding{'s' if self.codings != 1 else ''}" if self.codings else ""
        return f"'{self.source}'{where}{label}{count}: {self.reason}"


@dataclass
class Moved:
    source: str
    selection: str
    name: str
    note: str

    def describe(self) -> str:
        return f"'{self.source}' \"{short(self.name)}\": {self.note}"


def count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def short(text: str, width: int = 50) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@dataclass
class RefiImportReport:
    path: Path
    kind: str = "project"
    name: str = ""
    origin: str = ""
    xml_codings: int = 0
    detection: Detection | None = None
    codes_added: list[str] = field(default_factory=list)
    codes_matched: int = 0
    coders_added: list[str] = field(default_factory=list)
    informants_added: list[str] = field(default_factory=list)
    informants_updated: list[str] = field(default_factory=list)
    sources_imported: list[str] = field(default_factory=list)
    sources_merged: list[tuple[str, str]] = field(default_factory=list)
    sources_skipped: list[tuple[str, str]] = field(default_factory=list)
    codings_imported: int = 0
    codings_present: int = 0
    moved: list[Moved] = field(default_factory=list)
    labels: list[Moved] = field(default_factory=list)
    not_placed: list[NotPlaced] = field(default_factory=list)
    memos: int = 0
    sets_kept: int = 0
    warnings: list[str] = field(default_factory=list)
    created_project: bool = False

    @property
    def codings_not_placed(self) -> int:
        return sum(item.codings for item in self.not_placed)

    def accounted(self) -> bool:
        """Every ``<Coding>`` in the file was imported, already present, or reported."""
        total = self.codings_imported + self.codings_present + self.codings_not_placed
        return total == self.xml_codings

    def lines(self) -> Iterator[str]:
        """The report as the command line prints it."""
        what = "codebook" if self.kind == "codebook" else "project"
        title = f" '{self.name}'" if self.name else ""
        origin = f" written by {self.origin}" if self.origin else ""
        yield f"read {self.path}: REFI-QDA {what}{title}{origin}"
        if self.detection is not None:
            yield f"positions: {self.detection.describe()}"
        yield (
            f"codes: {len(self.codes_added)} new"
            + (f", {self.codes_matched} already in the project" if self.codes_matched else "")
        )
        if self.kind == "codebook":
            if self.sets_kept:
                yield f"sets kept: {self.sets_kept}"
            for warning in self.warnings:
                yield f"warning: {warning}"
            return
        yield f"coders: {len(self.coders_added)} new" + (
            f" ({', '.join(self.coders_added)})" if self.coders_added else ""
        )
        informants = f"informants (cases): {len(self.informants_added)} new"
        if self.informants_updated:
            informants += f", {len(self.informants_updated)} updated"
        yield informants
        yield (
            f"sources: {len(self.sources_imported)} imported"
            + (f", {len(self.sources_merged)} merged" if self.sources_merged else "")
            + (f", {len(self.sources_skipped)} not imported" if self.sources_skipped else "")
        )
        for name, into in self.sources_merged:
            yield f"  '{name}' has the same text as '{into}': its codings were added there"
        for name, reason in self.sources_skipped:
            yield f"  not imported: '{name}': {reason}"
        codings = f"codings: {self.codings_imported} imported"
        if self.moved:
            codings += f" ({len(self.moved)} re-anchored)"
        if self.codings_present:
            codings += f", {self.codings_present} already present"
        codings += f", {self.codings_not_placed} not placed (of {self.xml_codings} in the file)"
        yield codings
        yield f"memos (notes): {self.memos}"
        if self.sets_kept:
            yield f"sets kept: {self.sets_kept}"
        for moved in self.moved:
            yield f"re-anchored: {moved.describe()}"
        for label in self.labels:
            yield f"kept at its position: {label.describe()}"
        for missing in self.not_placed:
            yield f"not placed: {missing.describe()}"
        for warning in self.warnings:
            yield f"warning: {warning}"
