"""The archive's exceptions. Library code raises these; the CLI and the web turn them
into `Error: ...` lines and HTTP statuses."""


class ArchiveError(Exception):
    """Base class: a problem the user can act on (never a bug)."""
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(ArchiveError):
    status = 404


class IngestError(ArchiveError):
    """A source file cannot be turned into a letter. The message names the file."""
    status = 422


class ConflictError(ArchiveError):
    """A write based on a version that is no longer the current one."""
    status = 409

    def __init__(self, message: str, current: str = ""):
        super().__init__(message)
        self.current = current


class InvalidQuery(ArchiveError):
    status = 400


class ValidationError(ArchiveError):
    """A TEI document does not satisfy the project's schema."""
    status = 422


class LockTimeout(ArchiveError):
    status = 503
