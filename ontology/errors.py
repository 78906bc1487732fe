"""The one base of every error policykg reports to a user: its message is one line."""

from __future__ import annotations


class PolicyKGError(Exception):
    """An error a user can act on; str() is one line that names the file or value."""

    def __str__(self) -> str:
        return " ".join(super().__str__().split())


def say(message: str) -> None:
    """Write ``policykg: message`` to stderr as one line, in one write.

    One write, not print's two (text, then newline): a signal handler that raises between them
    (a build stopped by SIGTERM) would leave the line without its end and glue the next to it.
    """
    import sys

    sys.stderr.write(f"policykg: {message}\n")
    sys.stderr.flush()
