"""LaTeX: booktabs tables in a document that compiles with xelatex or lualatex.

Safety: every character TeX treats specially is escaped (``& % $ # _ { } ~ ^ \\``, and ``[ ] *``,
``< > |``, the backtick and ``--``), so a transcript line such as ``\\input{/etc/passwd}`` prints
as itself and can never run a command. Brackets and the star are braced because a row that
starts with ``[`` or ``*`` right after ``\\\\`` would be read as the argument of ``\\\\``; ``--``
would print as a dash, so a rating ``--`` is written ``-{}-``. Control characters are removed.
Other Unicode (accents, “quotes”, ✓, emoji) is passed through as it is: compile with xelatex
or lualatex (with pdflatex only the characters its input encoding knows will print).

Layout: a table whose cells are short is a ``tabular`` in a ``table`` float; a table with long
text (quotes, summaries, the codebook) is a ``longtable`` that breaks across pages and repeats
its header, with wrapping ``p`` columns whose widths follow the length of their text. Subtotal
rows are bold; quote tables print a repeated code once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qualcode.exchange.formats import clean_text, numeric_column, shown_labels
from qualcode.exchange.tables import Cell, DisplayTable, cell_text

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "[": "{[}",
    "]": "{]}",
    "*": "{*}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",
    "\t": " ",
}
_SPECIAL_RE = re.compile("|".join(re.escape(k) for k in _SPECIAL))
LONG_CELL = 40  # characters: a table with a longer cell is a longtable with wrapping columns

PREAMBLE = r"""% Written by qualcode. Compile with xelatex or lualatex (Unicode is passed through).
\documentclass[11pt]{article}
\usepackage{iftex}
\ifPDFTeX
  \usepackage[utf8]{inputenc}
  \usepackage[T1]{fontenc}
\else
  \usepackage{fontspec}
\fi
\usepackage[margin=2cm]{geometry}
\usepackage{array}
\usepackage{booktabs}
\usepackage{longtable}
\setlength{\LTcapwidth}{\linewidth}
\begin{document}
"""


def escape(text: str) -> str:
    """``text`` as LaTeX that prints exactly ``text`` (one paragraph; see :func:`cell`)."""
    out = _SPECIAL_RE.sub(lambda m: _SPECIAL[m.group()], text)
    return out.replace("--", "-{}-").replace("--", "-{}-")  # twice: "---" overlaps


def cell(text: str, wrap: bool) -> str:
    """A cell's text: line breaks as ``\\newline`` in wrapping columns, else as spaces."""
    lines = [escape(line) for line in clean_text(text).split("\n")]
    return (r"\newline " if wrap else " ").join(lines).strip()


def to_latex(tables: Sequence[DisplayTable], standalone: bool = True) -> str:
    """The tables as one LaTeX document (``standalone``), or only the tables, to ``\\input``."""
    body = "\n".join(table_latex(t) for t in tables)
    if not standalone:
        return body
    return PREAMBLE + "\n" + body + "\n\\end{document}\n"


def table_latex(table: DisplayTable) -> str:
    header = table.header()
    labels = shown_labels(table)
    texts = [[r.label, *(cell_text(v) for v in r.cells)] for r in table.rows]
    long = any(len(t) > LONG_CELL or "\n" in t for row in texts for t in row)
    numeric = [False] + [numeric_column(table, i) for i in range(len(table.columns))]
    spec = _column_spec(header, texts, numeric) if long else _short_spec(numeric)
    head = " & ".join(r"\textbf{" + cell(h, long) + "}" for h in header) + r" \\"
    rows: list[str] = []
    for n, (row, label) in enumerate(zip(table.rows, labels, strict=True)):
        values = [cell(label, long), *(_cell(v, long) for v in row.cells)]
        if row.subtotal:
            values = [r"\textbf{" + v + "}" if v else v for v in values]
        rows.append(" & ".join(values) + r" \\")
        nxt = table.rows[n + 1] if n + 1 < len(table.rows) else None
        new_group = table.meta.get("merge_labels") and nxt is not None and nxt.label != row.label
        if nxt is not None and (row.subtotal or new_group):
            rows.append(r"\midrule")
    caption = r"\caption{" + cell(table.title, False) + "}"
    notes = [cell(note, False) for note in table.notes]
    if long:
        ncols = len(header)
        out = [
            r"\begingroup\small",
            rf"\begin{{longtable}}{{{spec}}}",
            caption + r" \\",
            r"\toprule",
            head,
            r"\midrule",
            r"\endfirsthead",
            rf"\multicolumn{{{ncols}}}{{l}}{{\emph{{(continued)}}}} \\",
            r"\toprule",
            head,
            r"\midrule",
            r"\endhead",
            r"\bottomrule",
            r"\endfoot",
            r"\bottomrule",
            r"\endlastfoot",
            *rows,
            r"\end{longtable}",
            r"\endgroup",
        ]
        if notes:
            out += [r"{\footnotesize", *(n + r"\par" for n in notes), "}"]
        return "\n".join(out) + "\n"
    out = [
        r"\begin{table}[htbp]",
        r"\centering",
        r"\small",
        caption,
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        head,
        r"\midrule",
        *rows,
        r"\bottomrule",
        r"\end{tabular}",
    ]
    if notes:
        out += [r"\par\smallskip\footnotesize", *(n + r"\par" for n in notes)]
    out.append(r"\end{table}")
    return "\n".join(out) + "\n"


def _cell(value: Cell, wrap: bool) -> str:
    return cell(cell_text(value), wrap)


def _short_spec(numeric: list[bool]) -> str:
    return "".join("r" if num else "l" for num in numeric)


def _column_spec(header: list[str], texts: list[list[str]], numeric: list[bool]) -> str:
    """Wrapping columns sharing the line width by the length of their text (numbers stay
    narrow and right-aligned)."""
    weights = []
    for i, num in enumerate(numeric):
        lengths = [len(header[i])] + [len(row[i]) for row in texts]
        typical = sum(lengths) / len(lengths)
        # The square root: a column of long quotes gets more room, but a code column keeps enough
        weights.append(0.0 if num else min(max(typical, 9.0), 400.0) ** 0.5)
    total = sum(weights) or 1.0
    text_width = max(0.5, 0.98 - 0.08 * sum(numeric))  # what the number columns leave
    parts = []
    for weight, num in zip(weights, numeric, strict=True):
        if num:
            parts.append("r")
            continue
        share = text_width * weight / total
        width = rf"\dimexpr {share:.3f}\linewidth-2\tabcolsep\relax"
        parts.append(rf">{{\raggedright\arraybackslash}}p{{{width}}}")
    return "".join(parts)
