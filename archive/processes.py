"""Starting this package's own modules as processes (`python -m archive.X`)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)


def module_env() -> dict:
    """This environment, with the directory holding the package first on PYTHONPATH (so the
    child runs this very code, from wherever the parent was started)."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))


def start_detached(module: str, *args: str, pass_fds: tuple = ()) -> None:
    """Start `python -m module args...` in a session of its own, silent: nobody waits for it."""
    subprocess.Popen([sys.executable, "-m", module, *args], env=module_env(),
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     pass_fds=pass_fds, start_new_session=True)
