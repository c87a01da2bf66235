"""The clause registry: every clause the code cites, as a row of ``data/clauses.toml``.

Code cites a clause by id (``cite("gbcs.7.2.5.mac")``); the row holds the document, clause,
version, provenance and a note naming the public source. A test checks that every row is cited
and that every cited id is a row, so the data and the code cannot drift apart.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from secrules.core.clauses import ClauseRef
from secrules.core.data import load_table
from secrules.errors import DataFileError, InvalidValueError

__all__ = ["CLAUSES_TABLE", "cite", "clause_registry"]

#: The bundled clause registry.
CLAUSES_TABLE = "clauses.toml"


@functools.cache
def clause_registry() -> Mapping[str, ClauseRef]:
    """Every clause row of ``data/clauses.toml``, by id (read once per process)."""
    table = load_table(None, default=CLAUSES_TABLE)
    rows: dict[str, ClauseRef] = {}
    for row in table.tables("clause"):
        ident = row.text("id")
        if ident in rows:
            raise DataFileError(f"clause id {ident!r} is defined twice", file=table.file)
        rows[ident] = row.clause(ident=ident)
    return MappingProxyType(rows)


def cite(ident: str) -> ClauseRef:
    """The clause registered as ``ident``; InvalidValueError naming it when there is none."""
    try:
        return clause_registry()[ident]
    except KeyError:
        raise InvalidValueError(f"no clause {ident!r} in {CLAUSES_TABLE}") from None
