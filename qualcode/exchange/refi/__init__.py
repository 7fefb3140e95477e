"""REFI-QDA exchange: projects (``.qdpx``, ``.qde``) and codebooks (``.qdc``) in and out.

The standard of the Rotterdam Exchange Format Initiative (https://www.qdasoftware.org), read and
written by NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette. See docs/refi-qda.md.

- ``export.py`` writes a project or its codebook, deterministically;
- ``import_.py`` reads one into a project in one transaction (``codes.py`` merges the codebook),
  and ``report.py`` says what it did and whatever it could not hold;
- ``load.py`` and ``safety.py`` read the file without trusting it; ``model.py`` reads its XML
  leniently; ``positions.py`` turns other programs' offsets into qualcode's; ``fields.py`` keeps
  qualcode's fields in REFI-QDA's free text; ``store.py`` keeps GUIDs and sets between imports
  and exports.
"""

from __future__ import annotations

from qualcode.exchange.refi.export import (
    ExportReport,
    build_qdc,
    build_qdpx,
    export_qdc,
    export_qdpx,
)
from qualcode.exchange.refi.import_ import (
    REFI_SUFFIXES,
    RefiImportReport,
    import_refi,
    is_refi_file,
)
from qualcode.exchange.refi.safety import Limits

__all__ = [
    "REFI_SUFFIXES",
    "ExportReport",
    "Limits",
    "RefiImportReport",
    "build_qdc",
    "build_qdpx",
    "export_qdc",
    "export_qdpx",
    "import_refi",
    "is_refi_file",
]
