"""One table shape for every display, and its text formats: terminal, Markdown, CSV, JSON.

Every data display (matrices, triangulation summaries) is turned into a :class:`DisplayTable`,
and each output format renders that one shape, so a display is written once and exported in every
format (the exporters for papers add LaTeX, Word, Excel and HTML on the same shape).

Missing data stays missing: a cell whose value is ``None`` is rendered as ``MISSING`` (``—``) in
text formats, as an empty cell in CSV and as ``null`` in JSON — never as 0.

CSV is safe to open in a spreadsheet (a text cell starting with ``= + - @``, tab or CR gets a ``'``,
see formats/csv_safe.py) and Markdown cells cannot inject Markdown or HTML (``_md_escape``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from qualcode.exchange.formats import clean_text, shown_labels
from qualcode.exchange.formats.csv_safe import csv_cell, neutralise

MISSING = "—"
Cell = int | float | str | None


@dataclass
class DisplayRow:
    label: str
    cells: list[Cell]
    group: str | None = None  # e.g. the informant role in a role-ordered matrix
    subtotal: bool = False  # a group subtotal row (not data)


@dataclass
class DisplayTable:
    title: str
    row_dimension: str  # the first header cell: "informant", "source", "code", ...
    columns: list[str]
    rows: list[DisplayRow]
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # kind, cells, filters: for JSON readers

    def header(self) -> list[str]:
        return [self.row_dimension, *self.columns]


def cell_text(value: Cell) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def to_csv(table: DisplayTable) -> str:
    """First header cell is the row dimension, then one column per column label; text cells
    neutralised against formula injection, numbers as numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(h) for h in table.header()])
    for row in table.rows:
        writer.writerow([neutralise(row.label), *(csv_cell(v, cell_text(v)) for v in row.cells)])
    return out.getvalue()


# Markdown a transcript line could carry into a rendered table: emphasis, code, math ($, GitHub),
# strikethrough, links and images ("](", "!["), raw HTML and autolinks ("<" before a tag name).
_MD_SPECIAL = re.compile(r"([\\|*_`$~])")
_MD_HTML = re.compile(r"<(?=[A-Za-z/!?])")


def _md_escape(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", clean_text(text))
    text = _MD_HTML.sub(r"\\<", text).replace("![", "!\\[").replace("](", "\\](")
    return text.replace("\n", "<br>")


def to_markdown(table: DisplayTable) -> str:
    """A GFM table, with the title as a heading and the notes under it."""
    lines = [f"## {_md_escape(table.title)}", ""]
    header = table.header()
    lines.append("| " + " | ".join(_md_escape(h) for h in header) + " |")
    lines.append(
        "|"
        + "|".join(
            ["---"] + ["---:" if _numeric(table, i) else "---" for i in range(len(table.columns))]
        )
        + "|"
    )
    for row, shown in zip(table.rows, shown_labels(table), strict=True):
        label = f"**{_md_escape(shown)}**" if row.subtotal else _md_escape(shown)
        cells = [_md_escape(cell_text(v)) for v in row.cells]
        lines.append("| " + " | ".join([label, *cells]) + " |")
    if table.notes:
        lines.append("")
        lines.extend(f"{_md_escape(n)}  " for n in table.notes)
    return "\n".join(lines).rstrip() + "\n"


def to_json(table: DisplayTable) -> str:
    value = {
        "title": table.title,
        "row_dimension": table.row_dimension,
        "columns": table.columns,
        "rows": [
            {
                "label": row.label,
                "group": row.group,
                "subtotal": row.subtotal,
                "cells": dict(zip(table.columns, row.cells, strict=True)),
            }
            for row in table.rows
        ],
        "notes": table.notes,
        **table.meta,
    }
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def to_text(table: DisplayTable, max_width: int = 48) -> str:
    """An aligned table for the terminal; long cells are cut with an ellipsis."""

    def clip(s: str) -> str:
        s = s.replace("\n", " / ")
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    body = [[clip(r.label), *(clip(cell_text(v)) for v in r.cells)] for r in table.rows]
    header = [clip(h) for h in table.header()]
    widths = [max([len(header[i])] + [len(b[i]) for b in body]) for i in range(len(header))]
    numeric = [False] + [_numeric(table, i) for i in range(len(table.columns))]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [table.title, "", line(header), "  ".join("-" * w for w in widths)]
    out += [line(b) for b in body]
    if table.notes:
        out += [""] + table.notes
    return "\n".join(out) + "\n"


def _numeric(table: DisplayTable, column: int) -> bool:
    values = [r.cells[column] for r in table.rows if r.cells[column] is not None]
    return bool(values) and all(isinstance(v, int | float) for v in values)


RENDERERS = {"table": to_text, "md": to_markdown, "csv": to_csv, "json": to_json}


def render(table: DisplayTable, fmt: str) -> str:
    return RENDERERS[fmt](table)
