"""What qualcode keeps in REFI-QDA's free-text fields, written so a person can read it in NVivo
or ATLAS.ti and qualcode can read it back exactly.

- A code's MacQueen fields go into its ``<Description>`` as labelled paragraphs
  (``Definition: ...``). Reading back accepts the text only if writing the fields again gives the
  same text; any other description (another program's) becomes the code's definition.
- A coding's magnitude and memo go into its selection's ``<Description>``: a first line
  ``[magnitude +2]``, then the memo.
- The magnitude scale goes into the description of a variable named ``magnitude scale``.
"""

from __future__ import annotations

import re

from qualcode.core.codebook import MagnitudeScale

CODE_FIELDS = (
    ("brief", "Brief"),
    ("definition", "Definition"),
    ("when_to_use", "When to use"),
    ("when_not_to_use", "When not to use"),
    ("example", "Example"),
    ("keywords", "Keywords"),
)
_LABEL = {label: key for key, label in CODE_FIELDS}
_SPLIT = re.compile(r"\n\n(?=(?:" + "|".join(re.escape(lb) for _, lb in CODE_FIELDS) + r"): )")
_KEYWORD_SEPARATOR = "; "

MAGNITUDE_VARIABLE = "magnitude scale"
_MAGNITUDE = re.compile(r"\[magnitude (none|[+-]?\d+)\](?:\n|$)")
_SCALE_LINE = re.compile(r"([+-]?\d+): (.+)")


def code_description(values: dict[str, object]) -> str:
    """The labelled paragraphs for a code's non-empty fields (keywords: a tuple of words)."""
    parts = []
    for key, label in CODE_FIELDS:
        value = values.get(key)
        if key == "keywords" and isinstance(value, tuple | list):
            value = _KEYWORD_SEPARATOR.join(str(v) for v in value)
        if value:
            parts.append(f"{label}: {value}")
    return "\n\n".join(parts)


def parse_code_description(text: str) -> dict[str, object]:
    """The fields written by :func:`code_description`; any other text is the definition."""
    if not text:
        return {}
    fields: dict[str, object] = {}
    for part in _SPLIT.split(text):
        label, sep, value = part.partition(": ")
        key = _LABEL.get(label)
        if not sep or key is None or key in fields:
            return {"definition": text}
        fields[key] = tuple(value.split(_KEYWORD_SEPARATOR)) if key == "keywords" else value
    if code_description(fields) != text:
        return {"definition": text}
    return fields


def selection_description(magnitude: int | None, memo: str | None) -> str:
    """A coding's magnitude and memo as its selection's description ("" when it has neither)."""
    memo = memo or ""
    if magnitude is not None:
        head = f"[magnitude {magnitude:+d}]"
    elif _MAGNITUDE.match(memo):
        head = "[magnitude none]"  # a memo that happens to start like the marker stays a memo
    else:
        return memo
    return head + ("\n" + memo if memo else "")


def parse_selection_description(text: str) -> tuple[int | None, str | None]:
    """(magnitude, memo) from a selection's description."""
    match = _MAGNITUDE.match(text)
    if match is None:
        return None, text or None
    magnitude = None if match.group(1) == "none" else int(match.group(1))
    return magnitude, text[match.end() :] or None


def scale_description(scale: MagnitudeScale) -> str:
    return "\n".join(f"{value:+d}: {label}" for value, label in scale.labels.items())


def parse_scale_description(text: str) -> MagnitudeScale | None:
    labels: dict[int, str] = {}
    for line in text.splitlines():
        match = _SCALE_LINE.fullmatch(line.strip())
        if match is None:
            return None
        labels[int(match.group(1))] = match.group(2)
    try:
        return MagnitudeScale(labels)
    except ValueError:
        return None
