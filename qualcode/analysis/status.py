"""Project status: the counts every other tool checks first."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

# Counted by table name: ``qualcode status`` then needs none of the table classes, whose
# definition is most of a command's start-up.
TABLES = {
    "informants": "informant",
    "sources": "source",
    "segments": "segment",
    "codes": "code",
    "codings": "coding",
    "coders": "coder",
    "memos": "memo",
}


def project_counts(session: Session) -> dict[str, int]:
    """``{"informants", "sources", "segments", "codes", "codings"}`` plus coders and memos."""
    conn = session.connection()
    return {
        what: int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
        for what, table in TABLES.items()
    }
