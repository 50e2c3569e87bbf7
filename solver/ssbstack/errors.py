"""Error types. A :class:`CaseError` is a user error: the CLI prints it as one line, exit code 2."""


class CaseError(Exception):
    """Bad user input: a case file, an override, a mesh file or a results folder.

    The message names the file and key path and says what is wrong; no traceback is shown.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.file = file
        self.key = key
        self.detail = message
        parts = [p for p in (file, key) if p]
        super().__init__(": ".join([*parts, message]))


class SolverError(RuntimeError):
    """A solve failed after all time-step cut-backs; the last good state has been saved."""


class RunStopped(Exception):
    """A stop was requested (SIGTERM); a checkpoint has been written and the run can resume."""
