"""The archive the web app reads: opened once per process, shared by every request."""
from __future__ import annotations

import atexit
import threading

from flask import Flask, current_app

from archive.errors import ArchiveError

_EXTENSION = "letters_archive"
_lock = threading.Lock()


class ArchiveUnavailable(ArchiveError):
    """The configured archive home cannot be opened: the server's problem, not the reader's."""
    status = 503


class SerialArchive:
    """The Archive with one call at a time: its git reader keeps persistent `git cat-file`
    pipes and Whoosh refreshes one shared searcher, and neither is safe across threads."""

    def __init__(self, archive):
        self._archive = archive
        self._call_lock = threading.RLock()

    def run(self, fn, *args, **kwargs):
        """`fn(archive, ...)` with the archive to itself (for functions outside the facade)."""
        with self._call_lock:
            return fn(self._archive, *args, **kwargs)

    def __getattr__(self, name):
        attr = getattr(self._archive, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with self._call_lock:
                return attr(*args, **kwargs)
        return call


def get_archive():
    """The app's open Archive; opened on first use so a missing archive is a page, not a crash."""
    app = current_app._get_current_object()
    archive = app.extensions.get(_EXTENSION)
    if archive is not None:
        return archive
    with _lock:
        archive = app.extensions.get(_EXTENSION)
        if archive is None:
            # Imported here so the app can be built (and report a clear error) before
            # the core's optional pieces are importable.
            from archive.home import Archive
            try:
                archive = SerialArchive(Archive.open(app.config["LETTERS_HOME"]))
            except ArchiveError as exc:
                # The reason names a server path: log it, and tell the reader only what they can act on.
                app.logger.error("cannot open the archive: %s", exc.message)
                raise ArchiveUnavailable("The archive is not available at the moment.") from None
            app.extensions[_EXTENSION] = archive
            atexit.register(_close, app)
    return archive


def _close(app: Flask) -> None:
    archive = app.extensions.pop(_EXTENSION, None)
    if archive is not None:
        archive.close()


def close_archive(app: Flask) -> None:
    """Close the app's archive now (tests call this; the process does it at exit)."""
    _close(app)


def init_app(app: Flask) -> None:
    """Nothing opens at start-up; the archive is opened lazily by `get_archive`."""
    app.extensions.setdefault(_EXTENSION, None)
