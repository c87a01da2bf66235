"""GBCS message codes: which use case a message belongs to (GBCS 7.2.7 other-information).

The table is data, ``secrules/data/gbcs_message_codes.toml``: every row carries its source and
provenance. :func:`message_code_table` loads it (or a user's file in the same schema);
:func:`use_case_name` and :func:`lookup` use the bundled table.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import load_table

__all__ = [
    "MessageCode",
    "MessageCodeTable",
    "load_message_codes",
    "lookup",
    "message_code_table",
    "use_case_name",
]

_DEFAULT = "gbcs_message_codes.toml"


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
class MessageCodeTable:
    """The loaded table: code -> :class:`MessageCode`, the clause cited and the sources."""

    file: str
    clause: ClauseRef
    codes: Mapping[int, MessageCode]
    sources: Mapping[str, str]

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __iter__(self) -> Iterator[MessageCode]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code: int) -> MessageCode | None:
        """Return the row for ``code``, or None."""
        return self.codes.get(code)

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
    clause = ClauseRef(
        document=table.text("document"),
        clause=table.text("clause"),
        version=table.text("version"),
        provenance="stated",
    )
    sources = {name: src.text("reference") for name, src in table.table("sources").items()}
    codes: dict[int, MessageCode] = {}
    for row in table.tables("codes"):
        code = row.integer("code")
        if not 0 <= code <= 0xFFFF:
            raise row.error(f"code {code} is not a 16-bit value", "code")
        if code in codes:
            raise row.error(f"code 0x{code:04X} is listed twice", "code")
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
