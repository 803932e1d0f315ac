"""Files replaced whole: written under a temporary name beside the target, synced, renamed.

A reader finds the old file or the new one, never a part; a write that fails or is interrupted
leaves the old file as it was and no temporary behind."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path, mode: str = "wb", perms: int = 0o644, **kwargs):
    """`with replacing(path) as f:` writes f, then puts it at `path` (only if the block ends
    without an exception), readable by all unless `perms` says otherwise."""
    path = Path(path)
    # "<name>.<random>.tmp": one left by a crash beside an index segment's file is that
    # segment's, and the index clean-up deletes it with the segment
    fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, perms)   # a temporary file is made for its owner alone
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
