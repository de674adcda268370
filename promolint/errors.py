"""Errors a user sees: one line, naming the file and a reason a manager understands."""
import sys


def warn(message: str) -> None:
    """One warning line on stderr (state we rebuilt, a file set aside); never packet text."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


class PacketRejected(Exception):
    """A file we will not review. `reason` is short, human and contains no packet text."""

    def __init__(self, source: str, reason: str, code: str = "rejected"):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
        self.code = code


class ConfigError(Exception):
    """Bad configuration: names the file and the key."""


class SourceError(ValueError):
    """A source that cannot be used at all (bad link, no credentials, folder missing): a usage error.

    The message names the source or the setting to fix, never packet text. A ValueError, since a
    malformed source argument is a bad value.
    """

    def __init__(self, message: str, code: str = "source"):
        super().__init__(message)
        self.reason = message
        self.code = code


class UnsafeOutput(Exception):
    """An output we will not write: a symlink below --out, or no name the file system accepts."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
