"""Zip containers (docx, xlsx) with the same bytes for the same content.

python-docx and openpyxl stamp every zip entry with the time of writing; this rewrites the
archive entry by entry, in the same order, with one fixed date and fixed attributes.
"""

from __future__ import annotations

import io
import zipfile

#: The earliest date a zip entry can carry; also the document date of our Word and Excel files.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def normalized(data: bytes) -> bytes:
    """``data`` (a zip archive) with fixed entry dates, permissions and creator system."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, wherever it was written
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
