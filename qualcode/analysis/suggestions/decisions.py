"""The researcher's answer to a suggestion: accept (a coding), reject (remembered), or skip.

Skipping writes nothing: the suggestion comes back next time. Accepting is the coding app's own
``apply`` (so it can be undone like any coding); its audit entry says it came from a suggestion,
with the score, the cue and the matched phrase.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from qualcode.analysis.suggestions.engine import Suggestion
from qualcode.core.errors import QualcodeError
from qualcode.storage.actions import ActionResult, CodingActions
from qualcode.storage.models import SuggestionRejection
from qualcode.storage.project import Project, audit


class StaleSuggestion(QualcodeError):
    """The suggestion's source got a new text after the suggestion was made."""


def accept(actions: CodingActions, suggestion: Suggestion) -> ActionResult:
    """Code the suggested segment with the suggested code, as ``actions``' coder."""
    with actions.project.read() as s:
        _still_there(s, suggestion)
    return actions.apply(
        suggestion.source_id,
        suggestion.code_id,
        suggestion.segment_start,
        suggestion.segment_end,
        origin="suggestion",
        detail=_detail(suggestion),
    )


def reject(project: Project, coder_id: int, coder: str, suggestion: Suggestion) -> None:
    """Never suggest this code for this segment again (for any coder)."""
    with project.write() as s:
        _still_there(s, suggestion)
        known = (
            s.connection()
            .execute(
                text("SELECT id FROM suggestion_rejection WHERE segment_id = :s AND code_id = :c"),
                {"s": suggestion.segment_id, "c": suggestion.code_id},
            )
            .first()
        )
        if known is not None:
            return
        row = SuggestionRejection(
            segment_id=suggestion.segment_id,
            code_id=suggestion.code_id,
            coder_id=coder_id,
            score=suggestion.score,
            matched=suggestion.matched,
        )
        s.add(row)
        s.flush()
        audit(s, coder, "reject", "suggestion", row.id, **_detail(suggestion))


def _detail(suggestion: Suggestion) -> dict[str, object]:
    return {
        "segment_id": suggestion.segment_id,
        "code_id": suggestion.code_id,
        "score": suggestion.score,
        "cue": suggestion.cue.label,
        "matched": suggestion.matched,
    }


def _still_there(session: Session, suggestion: Suggestion) -> None:
    """Refuse a suggestion whose segment is not there any more as it was scored.

    A queue is made once and decided on for a while; meanwhile ``qualcode source replace`` (or a
    restore) may have given the source a new text: its segments are new rows, and the
    suggestion's offsets point into the old text. Accepting would code the wrong words;
    rejecting would name a segment that is gone (or, its id given again, another one).
    """
    g = suggestion
    sql = (
        'SELECT g.source_id, g.start, g."end", substr(s.text, :a + 1, :n) FROM segment g '
        "JOIN source s ON s.id = g.source_id WHERE g.id = :i"
    )
    params = {"i": g.segment_id, "a": g.start, "n": g.end - g.start}
    row = session.connection().execute(text(sql), params).first()
    if row is None or tuple(row) != (g.source_id, g.segment_start, g.segment_end, g.matched):
        raise StaleSuggestion(
            "the text of this suggestion's source was replaced after the suggestion was made: "
            "nothing was done"
        )
