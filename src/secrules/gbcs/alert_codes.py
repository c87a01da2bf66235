"""GBCS alert codes and their names, as data (``secrules/data/gbcs_alert_codes.toml``).

Every row has a source and a provenance: names listed by gbcs-parser are ``stated``; the four
codes only the RTDS ECS100-ECS200 alerts carry (0x8F85-0x8F88) are named after their use-case
titles and marked ``inferred``. Unknown codes have no name and are shown numerically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import bundled_once, load_table

__all__ = ["AlertCode", "AlertCodeTable", "alert_code_name", "alert_code_text", "load_alert_codes"]

_DEFAULT = "gbcs_alert_codes.toml"


@attrs.frozen
class AlertCode:
    """One alert code with its name, source key and provenance."""

    code: int
    name: str
    source: str
    provenance: Provenance


@attrs.frozen
class AlertCodeTable:
    """The loaded table: code -> :class:`AlertCode`, the clause cited and the sources."""

    file: str
    clause: ClauseRef
    codes: Mapping[int, AlertCode]
    sources: Mapping[str, str]

    def get(self, code: int) -> AlertCode | None:
        """The row for ``code``, or None."""
        return self.codes.get(code)

    def __len__(self) -> int:
        return len(self.codes)


@bundled_once
def load_alert_codes(path: str | os.PathLike[str] | None = None) -> AlertCodeTable:
    """Load the bundled alert-code table, or the file ``path`` in the same schema.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on any schema error
    (a code outside 16 bits or listed twice, an unknown source, a bad provenance).
    """
    table = load_table(path, default=_DEFAULT)
    clause = table.stated_clause()
    sources = table.sources()
    codes: dict[int, AlertCode] = {}
    for row in table.tables("codes"):
        code = row.code16(codes)
        source = row.choice("source", tuple(sources))
        codes[code] = AlertCode(code, row.text("name"), source, row.provenance())
    return AlertCodeTable(table.file, clause, MappingProxyType(codes), MappingProxyType(sources))


def alert_code_name(code: int) -> str | None:
    """The name of alert ``code`` from the bundled table, or None when it is not tabled."""
    row = load_alert_codes().get(code)
    return None if row is None else row.name


def alert_code_text(code: int) -> str:
    """``Future-date HAN ... Actioned (0x8F66)``, or ``0x1234`` for a code not tabled."""
    name = alert_code_name(code)
    return f"0x{code:04X}" if name is None else f"{name} (0x{code:04X})"
