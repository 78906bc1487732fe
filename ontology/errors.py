"""The one base of every error policykg reports to a user: its message is one line."""

from __future__ import annotations


class PolicyKGError(Exception):
    """An error a user can act on; str() is one line that names the file or value."""

    def __str__(self) -> str:
        return " ".join(super().__str__().split())
