"""The researcher's answer to a suggestion: accept (a coding), reject (remembered), or skip.

Skipping writes nothing: the suggestion comes back next time. Accepting is the coding app's own
``apply`` (so it can be undone like any coding); its audit entry says it came from a suggestion,
with the score, the cue and the matched phrase.
"""

from __future__ import annotations

from sqlalchemy import text

from qualcode.analysis.suggestions.engine import Suggestion
from qualcode.storage.actions import ActionResult, CodingActions
from qualcode.storage.models import SuggestionRejection
from qualcode.storage.project import Project, audit


def accept(actions: CodingActions, suggestion: Suggestion) -> ActionResult:
    """Code the suggested segment with the suggested code, as ``actions``' coder."""
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
