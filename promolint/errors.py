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


class OutputFault(Exception):
    """The output folder cannot take a write (read-only, disk full, permission): the environment's
    fault, not the packet's, so a run stops there with one line naming the path and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: cannot write ({reason})")
        self.path = path
        self.reason = reason

    @classmethod
    def of(cls, exc: OSError, fallback: str) -> "OutputFault":
        return cls(str(exc.filename or fallback), exc.strerror or type(exc).__name__)


def literal(name: str) -> str:
    """A name as it may be printed: control and bidi characters escaped, so a file name can neither
    move the terminal's cursor nor reorder the line."""
    import unicodedata

    return "".join(c if unicodedata.category(c) not in ("Cc", "Cf") else
                   (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in name)
