"""Reading a user's input file with a size cap, before anything is decoded.

A transcript of a three-hour interview is about 200 KB; a file of hundreds of megabytes given to
``import`` is a mistake (a video, a disk image, a log) or an attack, and reading it whole would
take the memory the machine needs. So every input file is refused above a cap, decided from its
size on disk before it is read, and the read itself stops one byte past the cap (a pipe or a
device can say nothing true about its size). The cap is :data:`DEFAULT_MAX_BYTES`, or the
environment variable ``QUALCODE_MAX_SIZE`` (in MB), or ``import --max-size``.
"""

from __future__ import annotations

import os
from pathlib import Path

from qualcode.core.errors import InputError

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 64 * MB
ENV_MAX_SIZE = "QUALCODE_MAX_SIZE"


def max_input_bytes() -> int:
    """The cap: QUALCODE_MAX_SIZE (MB) when set to a positive number, else the default."""
    value = os.environ.get(ENV_MAX_SIZE, "").strip().upper().removesuffix("MB").strip()
    try:
        megabytes = float(value)
    except ValueError:
        return DEFAULT_MAX_BYTES
    return int(megabytes * MB) if megabytes > 0 else DEFAULT_MAX_BYTES


def too_large(path: str | Path, limit: int) -> InputError:
    return InputError(
        path,
        f"refused: larger than the {round(limit / MB, 3):g} MB limit for an input file "
        f"(raise it with --max-size or {ENV_MAX_SIZE})",
    )


def read_input(path: str | Path, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path``; InputError when it is missing, unreadable or over the cap."""
    path = Path(path)
    limit = max_bytes or max_input_bytes()
    try:
        if path.stat().st_size > limit:
            raise too_large(path, limit)
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a file") from None
    except OSError as err:
        raise InputError(path, f"cannot read file ({err.strerror or err})") from None
    if len(data) > limit:
        raise too_large(path, limit)
    return data
