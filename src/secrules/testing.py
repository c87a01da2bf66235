"""Assertion helpers for test harnesses: a payload conforms, or it breaks a named rule.

:func:`assert_conforms` and :func:`assert_violates` run :func:`secrules.check` and raise
:class:`~secrules.errors.ConformanceAssertionError` (an :class:`AssertionError`) when the payload
does not do what the test says. They need neither pytest nor its plugin (entry point
``secrules``), and they hide their own frames from pytest's tracebacks. The
message lists only the findings that decided the failure, one per line: outcome, rule id,
location and message, then the clauses the rule cites. A location is the field path and byte
offset for binary payloads, and the XML path with ``line:column`` (both 1-based, columns in
characters) for DUIS XML::

    payload does not conform (proposed regime): 1 finding fails
      FAIL duis.8-4.nothing-to-update at /Request/Body/UpdateInventory/UpdateDeviceDetails,
      line 12:7: UpdateDeviceDetails is empty: nothing to update
          [DUIS XML Schema SR 8.4 UpdateDeviceDetails (every child optional) (V5.0-V5.4, stated)]

A payload is what :func:`secrules.check` reads: bytes, text (hex, base64 or XML; a plain ``str``
is always data) or an :class:`os.PathLike` naming a file.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypedDict, Unpack

from secrules.checking import check, checkable_rule_ids, failed
from secrules.core.files import display_name
from secrules.core.findings import Finding, Outcome
from secrules.core.validation import require_type
from secrules.errors import ConformanceAssertionError, DecodeError
from secrules.inputs import InputKind, read_input

if TYPE_CHECKING:
    from secrules.gbcs.keystore import KeyStore

__all__ = [
    "CheckOptions",
    "assert_conforms",
    "assert_violates",
    "checkable_rule_ids",
    "describe_finding",
    "line_column",
]

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")

_Payload = bytes | bytearray | memoryview | str | os.PathLike[str]


class CheckOptions(TypedDict, total=False):
    """The other keyword arguments of :func:`secrules.check` the helpers pass on."""

    table_28d: str | os.PathLike[str] | None
    era: str | None
    default_configuration: bool


def line_column(document: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of byte ``offset`` in a UTF-8 ``document``.

    Lines end at CR LF, CR or LF (as XML reads them); the column counts characters, not bytes,
    and a UTF-8 byte-order mark is not a column.
    """
    prefix = document[: max(offset, 0)]
    lines = _LINE_BREAK.split(prefix)
    last = lines[-1]
    if len(lines) == 1 and last.startswith(b"\xef\xbb\xbf"):
        last = last[3:]
    return len(lines), len(last.decode("utf-8", errors="replace")) + 1


def describe_finding(finding: Finding, document: bytes | None = None) -> str:
    """One line for ``finding``: outcome, rule id, location, message, then its clauses.

    ``document`` is the XML document the finding's offset points into; given, the location
    shows ``line:column`` instead of the byte offset.
    """
    parts = []
    if finding.path:
        parts.append(finding.path)
    if finding.offset is not None:
        if document is not None:
            line, column = line_column(document, finding.offset)
            parts.append(f"line {line}:{column}")
        else:
            parts.append(f"offset {finding.offset}")
    where = f" at {', '.join(parts)}" if parts else ""
    text = f"{finding.outcome.name} {finding.rule_id}{where}: {finding.message}"
    if finding.clauses:
        text += f"\n    [{'; '.join(str(c) for c in finding.clauses)}]"
    return text


def _name(payload: _Payload) -> str:
    return display_name(payload) if isinstance(payload, os.PathLike) else "payload"


def _document(payload: _Payload) -> bytes | None:
    """The XML document ``payload`` holds (what DUIS offsets count), or None for binary."""
    subject = read_input(payload)
    return subject.data if subject.kind is InputKind.XML else None


def _listing(findings: Sequence[Finding], payload: _Payload) -> str:
    located = any(f.offset is not None for f in findings)
    document = _document(payload) if located else None
    text = "\n".join(describe_finding(f, document) for f in findings)
    return "  " + text.replace("\n", "\n  ")


def _run(
    payload: _Payload,
    regime: str,
    keystore: KeyStore | str | os.PathLike[str] | None,
    check_kwargs: CheckOptions,
) -> list[Finding]:
    __tracebackhide__ = True
    try:
        return check(payload, regime=regime, keystore=keystore, **check_kwargs)
    except DecodeError as exc:
        where = ""
        if exc.offset is not None and "(line " not in exc.message:
            document = _decoded_document(payload)
            if document is not None:
                line, column = line_column(document, exc.offset)
                where = f" (line {line}:{column})"
        raise ConformanceAssertionError(
            f"{_name(payload)} could not be decoded, so no rule ran: {exc}{where}"
        ) from None


def _decoded_document(payload: _Payload) -> bytes | None:
    """The XML document of a payload that failed to decode, if it reads as XML at all."""
    try:
        return _document(payload)
    except DecodeError:
        return None


def assert_conforms(
    payload: _Payload,
    *,
    regime: str = "proposed",
    keystore: KeyStore | str | os.PathLike[str] | None = None,
    **check_kwargs: Unpack[CheckOptions],
) -> list[Finding]:
    """Assert that ``payload`` passes :func:`secrules.check`; return its findings.

    Fails when :func:`secrules.failed` says the findings fail: any FAIL and, when ``keystore``
    is given (a key store or its path: checks with keys asked for, as ``secrules check
    --keystore``), any signature, MAC or encrypted content that could not be checked. Other
    keyword arguments go to :func:`secrules.check` (``table_28d``, ``era``,
    ``default_configuration``). A payload that cannot be decoded fails too. The message lists
    only the findings that fail.
    """
    __tracebackhide__ = True
    findings = _run(payload, regime, keystore, check_kwargs)
    required = keystore is not None
    if not failed(findings, protection_required=required):
        return findings
    bad = [f for f in findings if failed([f], protection_required=required)]
    raise ConformanceAssertionError(
        f"{_name(payload)} does not conform ({regime} regime): "
        f"{_count(bad, 'finding')} {'fails' if len(bad) == 1 else 'fail'}\n"
        + _listing(bad, payload),
        findings,
    )


def assert_violates(
    payload: _Payload,
    rule_id: str,
    *,
    regime: str = "proposed",
    keystore: KeyStore | str | os.PathLike[str] | None = None,
    **check_kwargs: Unpack[CheckOptions],
) -> list[Finding]:
    """Assert that some finding of rule ``rule_id`` FAILs on ``payload``; return the findings.

    Fails at once, naming the nearest known ids, when ``rule_id`` is not an id
    :func:`secrules.check` can emit (:func:`checkable_rule_ids`). Otherwise the message says
    what the rule gave instead and lists only the findings that did fail.
    Other arguments are those of :func:`assert_conforms`.
    """
    __tracebackhide__ = True
    require_type(rule_id, "rule_id", (str,), "a rule id (str)")
    known = checkable_rule_ids()
    if rule_id not in known:
        close = difflib.get_close_matches(rule_id, sorted(known), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ConformanceAssertionError(
            f"{rule_id!r} is not a rule id secrules.check can emit{hint} "
            "(secrules rules lists them)"
        )
    findings = _run(payload, regime, keystore, check_kwargs)
    if any(f.rule_id == rule_id and f.outcome is Outcome.FAIL for f in findings):
        return findings
    own = [f.outcome.name for f in findings if f.rule_id == rule_id]
    gave = f"it gave {_summary(own)}" if own else "it gave no finding"
    bad = [f for f in findings if f.outcome is Outcome.FAIL]
    listing = (
        f"{_count(bad, 'other finding')} failed:\n" + _listing(bad, payload)
        if bad
        else "no finding failed"
    )
    raise ConformanceAssertionError(
        f"{_name(payload)}: expected {rule_id} to FAIL ({regime} regime), but {gave}; {listing}",
        findings,
    )


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _summary(outcomes: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for name in outcomes:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name if n == 1 else f"{name} x{n}" for name, n in counts.items())
