"""GBCS message codes and message types: which use case a message is, and is it critical.

Two tables, both data with a source and provenance on every row:

- ``secrules/data/gbcs_message_codes.toml``: message code (GBCS 7.2.7 other-information) ->
  use case. :func:`message_code_table` loads it (or a user's file in the same schema);
  :func:`use_case_name` and :func:`lookup` use the bundled table.
- ``secrules/data/gbcs_message_types.toml``: use case -> GBCS message type (``SME.C.C`` critical
  command, ``SME.C.NC`` non-critical command, ``SME.A.C`` / ``SME.A.NC`` alerts), from the GBCS
  mapping table. :func:`message_type_table` loads it; :func:`message_type` looks a message code
  up through both tables.
"""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import load_table

__all__ = [
    "MessageClass",
    "MessageCode",
    "MessageCodeTable",
    "MessageTypeTable",
    "UseCaseType",
    "load_message_codes",
    "load_message_types",
    "lookup",
    "message_code_table",
    "message_type",
    "message_type_table",
    "use_case_name",
]

_DEFAULT = "gbcs_message_codes.toml"
_DEFAULT_TYPES = "gbcs_message_types.toml"


_K = TypeVar("_K")
_V = TypeVar("_V")


class _Rows(Generic[_K, _V]):
    """What the loaded tables share: ``in``, iteration over rows, ``len`` and ``get(key)``."""

    __slots__ = ()

    def _rows(self) -> Mapping[_K, _V]:
        raise NotImplementedError

    def __contains__(self, key: object) -> bool:
        return key in self._rows()

    def __iter__(self) -> Iterator[_V]:
        return iter(self._rows().values())

    def __len__(self) -> int:
        return len(self._rows())

    def get(self, key: _K) -> _V | None:
        """The row for ``key`` (a message code, or a use-case id spelt exactly), or None."""
        return self._rows().get(key)


@attrs.frozen
class MessageCode:
    """One row of the table: a 16-bit code and the GBCS use case it identifies."""

    code: int
    use_case: str | None
    title: str | None
    source: str
    provenance: Provenance

    @property
    def name(self) -> str:
        """The use-case id (``ECS37``) or, for codes without one, the title."""
        if self.use_case is not None:
            return self.use_case
        assert self.title is not None  # noqa: S101 - the loader requires one of the two
        return self.title

    def __str__(self) -> str:
        label = self.use_case or ""
        if self.title:
            label = f"{label} {self.title}".strip()
        return f"0x{self.code:04X} {label}"


@attrs.frozen
class MessageCodeTable(_Rows[int, "MessageCode"]):
    """The loaded table: code -> :class:`MessageCode`, the clause cited and the sources."""

    file: str
    clause: ClauseRef
    codes: Mapping[int, MessageCode]
    sources: Mapping[str, str]

    def _rows(self) -> Mapping[int, MessageCode]:
        return self.codes

    def by_use_case(self, use_case: str) -> tuple[MessageCode, ...]:
        """Every row for a use-case id (``CS02b`` has ten), case-insensitive."""
        wanted = use_case.casefold()
        return tuple(r for r in self.codes.values() if (r.use_case or "").casefold() == wanted)


def load_message_codes(path: str | os.PathLike[str] | None = None) -> MessageCodeTable:
    """Load the bundled table, or the file ``path`` in the same schema.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on any schema error:
    a code outside 0..0xFFFF or given twice, a row with neither ``use_case`` nor ``title``, an
    unknown ``source`` key, a bad ``provenance``.
    """
    table = load_table(path, default=_DEFAULT)
    clause = table.stated_clause()
    sources = table.sources()
    codes: dict[int, MessageCode] = {}
    for row in table.tables("codes"):
        code = row.code16(codes)
        use_case = row.text("use_case") if "use_case" in row else None
        title = row.text("title") if "title" in row else None
        if use_case is None and title is None:
            raise row.error("a row needs a use_case or a title")
        source = row.choice("source", tuple(sources))
        codes[code] = MessageCode(code, use_case, title, source, row.provenance())
    return MessageCodeTable(
        file=table.file,
        clause=clause,
        codes=MappingProxyType(dict(sorted(codes.items()))),
        sources=MappingProxyType(sources),
    )


@functools.cache
def message_code_table() -> MessageCodeTable:
    """Return the bundled table (loaded once)."""
    return load_message_codes(None)


def lookup(code: int) -> MessageCode | None:
    """Return the bundled row for ``code`` (``lookup(0x004A).use_case == "ECS37"``), or None."""
    return message_code_table().get(code)


def use_case_name(code: int) -> str | None:
    """Return the use-case id for ``code`` (``"ECS37"`` for 0x004A), or None if not tabled.

    Alert codes without a use-case id give their title instead.
    """
    row = lookup(code)
    return None if row is None else row.name


# --- Message types: which use cases are critical. ---------------------------------------------


class MessageClass(enum.Enum):
    """The GBCS message type classes of the mapping table (``SME.C.C`` = critical command)."""

    CRITICAL_COMMAND = "SME.C.C"
    NON_CRITICAL_COMMAND = "SME.C.NC"
    CRITICAL_ALERT = "SME.A.C"
    NON_CRITICAL_ALERT = "SME.A.NC"


_CLASSES = {c.value: c for c in MessageClass}


@attrs.frozen
class UseCaseType:
    """One row of the message-type table: a use case and its GBCS message type.

    ``message_type`` is the table's value as given (``"SME.C.C"``, ``"See GBCS"``...);
    :attr:`message_class` is read from its first word, None when the table gives no class.
    """

    use_case: str
    message_type: str
    source: str
    provenance: Provenance
    note: str = ""

    @property
    def message_class(self) -> MessageClass | None:
        """The class the table gives (first word of ``message_type``), or None."""
        words = self.message_type.split()
        return _CLASSES.get(words[0]) if words else None

    @property
    def critical_command(self) -> bool:
        """True when the use case's Command is critical (``SME.C.C``)."""
        return self.message_class is MessageClass.CRITICAL_COMMAND

    def __str__(self) -> str:
        return f"{self.use_case} ({self.message_type}, {self.provenance})"


@attrs.frozen
class MessageTypeTable(_Rows[str, "UseCaseType"]):
    """The loaded message-type table: use case -> :class:`UseCaseType`, clause and sources."""

    file: str
    clause: ClauseRef
    use_cases: Mapping[str, UseCaseType]
    sources: Mapping[str, str]

    def _rows(self) -> Mapping[str, UseCaseType]:
        return self.use_cases

    def critical_commands(self) -> tuple[str, ...]:
        """The use-case ids whose Command is critical (``SME.C.C``), in table order."""
        return tuple(u.use_case for u in self.use_cases.values() if u.critical_command)


def load_message_types(path: str | os.PathLike[str] | None = None) -> MessageTypeTable:
    """Load the bundled message-type table, or the file ``path`` in the same schema.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on any schema error: a
    use case given twice, an empty message type, an unknown ``source`` key, a bad
    ``provenance``, an inferred row without a ``note``.
    """
    table = load_table(path, default=_DEFAULT_TYPES)
    clause = table.stated_clause()
    sources = table.sources()
    rows: dict[str, UseCaseType] = {}
    for row in table.tables("use_cases"):
        use_case = row.text("use_case").strip()
        if use_case in rows:
            raise row.error(f"use case {use_case} is listed twice", "use_case")
        provenance = row.provenance()
        note = row.text("note") if "note" in row else ""
        if provenance is not Provenance.STATED and not note:
            raise row.error(f"a {provenance} row needs a note saying what it is read from")
        rows[use_case] = UseCaseType(
            use_case=use_case,
            message_type=row.text("message_type").strip(),
            source=row.choice("source", tuple(sources)),
            provenance=provenance,
            note=note,
        )
    return MessageTypeTable(
        file=table.file,
        clause=clause,
        use_cases=MappingProxyType(rows),
        sources=MappingProxyType(sources),
    )


@functools.cache
def message_type_table() -> MessageTypeTable:
    """Return the bundled message-type table (loaded once)."""
    return load_message_types(None)


def message_type(code: int) -> UseCaseType | None:
    """The message type of the use case that message ``code`` identifies, or None.

    None when the code is not in the message-code table, has no use-case id (some alerts), or
    its use case is not in the message-type table.
    """
    row = lookup(code)
    if row is None or row.use_case is None:
        return None
    return message_type_table().get(row.use_case)
