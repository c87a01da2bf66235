"""The one error root of secrules, and the errors raised on misuse or undecodable input.

Non-compliance is never an exception: it is a :class:`secrules.core.Finding`. Exceptions are for
input that cannot be read at all and for misuse of the API; the one exception to this is the
assertion helpers of :mod:`secrules.testing`, whose purpose is to fail a test
(:class:`ConformanceAssertionError`). Every error is a :class:`SecrulesError` and also subclasses
the built-in error a caller would expect (``ValueError``, ``LookupError``, ``ImportError``,
``AssertionError``), in the manner of attrs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secrules.core.findings import Finding

__all__ = [
    "ConformanceAssertionError",
    "DataFileError",
    "DecodeError",
    "InvalidValueError",
    "KeyMismatchError",
    "KeyNotFoundError",
    "MissingDependencyError",
    "NotModelledError",
    "RegimeError",
    "RuleConflictError",
    "RuleOverrideError",
    "SecrulesError",
    "UnknownProposalError",
    "UnsupportedKeyError",
    "UsageError",
]


class SecrulesError(Exception):
    """Root of every error secrules raises on purpose."""


class DecodeError(SecrulesError, ValueError):
    """Input bytes, hex or XML that cannot be decoded.

    ``offset`` is the byte offset into the input where decoding failed (``None`` when not known)
    and ``path`` the field path (``entries[1].begin_date``) or XML path (``/Request/Header``).
    """

    def __init__(self, message: str, *, offset: int | None = None, path: str | None = None) -> None:
        self.message = message
        self.offset = offset
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(f"at {self.path}")
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        return f"{self.message} ({', '.join(where)})" if where else self.message


class DataFileError(SecrulesError, ValueError):
    """A parameter table (TOML) that is missing, malformed or breaks its schema.

    ``file`` names the file and ``key`` the dotted key path inside it (``parts[3].provenance``).
    """

    def __init__(self, message: str, *, file: str, key: str | None = None) -> None:
        self.message = message
        self.file = file
        self.key = key
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class InvalidValueError(SecrulesError, ValueError):
    """A value that does not parse as the domain type asked for (a role code, an OBIS code...)."""


class RegimeError(SecrulesError, ValueError):
    """A regime name other than ``"baseline"`` or ``"proposed"``."""


class RuleOverrideError(SecrulesError, ValueError):
    """A derived rule set that overrides, neutralises or re-adds a rule ambiguously.

    The message names both sides: the deriving rule set and the parent that lacks (or already
    has) the rule.
    """


class RuleConflictError(SecrulesError, ValueError):
    """Two exceptions to one labelled rule both apply to a subject; the message names both."""


class UsageError(SecrulesError, ValueError):
    """Bad command-line usage (an unknown option, a missing argument)."""


class UnknownProposalError(SecrulesError, LookupError):
    """A proposal id that is not one of the nine items of the 28 May 2020 paper."""


class NotModelledError(SecrulesError, LookupError):
    """A proposal that is listed in the registry but has no executable model yet."""


class KeyNotFoundError(SecrulesError, LookupError):
    """A key store holds no key for the EUI and key usage asked for."""


class KeyMismatchError(SecrulesError, ValueError):
    """A private key that is not the one the operation needs; the message says which was expected.

    For example signing a pre-command with a Key Agreement key, with another party's key, or with
    a key whose certificate is not valid at the time given.
    """


class UnsupportedKeyError(SecrulesError, ValueError):
    """A key that is not an EC P-256 key, or a key file that cannot be loaded."""


class MissingDependencyError(SecrulesError, ImportError):
    """An optional part of secrules imported without the extra it needs installed.

    The message says what to install (``pip install 'secrules[strategies]'``); ``name`` is the
    missing module, as for any :class:`ImportError`.
    """


class ConformanceAssertionError(SecrulesError, AssertionError):
    """A payload that :func:`secrules.testing.assert_conforms` or ``assert_violates`` rejects.

    The message lists the findings that decided it, one per line; ``findings`` holds every
    finding of the check (empty when the payload could not be decoded).
    """

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        self.message = message
        self.findings = tuple(findings)
        super().__init__(message)
