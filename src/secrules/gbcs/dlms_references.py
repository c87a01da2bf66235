"""The DLMS UA editions GBCS cites, as it stood on 28 May 2020 (GBCS's normative references).

One labelled rule over an :class:`EditionReference` (a book and an edition named, for example, in
a conformance statement), ``gbcs.dlms-edition-references``: it passes when the edition is the
one GBCS pins (Green Book DLMS UA 1000-2 Ed. 8, Blue Book DLMS UA 1000-1 Ed. 12.0; stated on the
SECCo page for DP132) and fails for any other edition, whether or not the DLMS UA calls it
backward compatible. The editions are data (``data/dlms_references.toml``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import Provenance
from secrules.core.data import TableSource, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule
from secrules.core.sources import data_file
from secrules.errors import InvalidValueError

__all__ = [
    "EDITION_RULE",
    "Book",
    "DlmsReferences",
    "EditionReference",
    "edition_rule",
    "load_dlms_references",
]

#: Rule id (one hop from this module).
EDITION_RULE = "gbcs.dlms-edition-references"
TABLE = "dlms_references.toml"


@attrs.frozen
class Book:
    """One DLMS UA book GBCS cites: the edition it pins and the later, aligned editions."""

    name: str
    reference: str
    pinned: str
    aligned: tuple[str, ...]
    provenance: Provenance
    source: str

    @property
    def title(self) -> str:
        """``Green Book (DLMS UA 1000-2)``."""
        return f"{self.name} ({self.reference})"


@attrs.frozen
class EditionReference:
    """A reference to one edition of a DLMS UA book (``Green Book``, ``Ed. 9``)."""

    book: str
    edition: str


def _books(value: Mapping[str, Book]) -> Mapping[str, Book]:
    return MappingProxyType(dict(value))


@attrs.frozen
class DlmsReferences:
    """GBCS's DLMS references as loaded from a table, by book name."""

    document: str
    as_at: str
    books: Mapping[str, Book] = attrs.field(converter=_books)
    #: The table file and its SHA-256 (None for references built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def book(self, name: str) -> Book:
        """The book ``name``; InvalidValueError naming the known books otherwise."""
        found = self.books.get(name)
        if found is None:
            known = ", ".join(self.books)
            raise InvalidValueError(f"GBCS cites no DLMS book {name!r}; it cites {known}")
        return found


def _load(path: str | os.PathLike[str] | None) -> DlmsReferences:
    table = load_table(path, default=TABLE)
    books: dict[str, Book] = {}
    for row in table.tables("book"):
        name = row.text("name")
        if name in books:
            raise row.error(f"duplicate book {name!r}", "name")
        books[name] = Book(
            name=name,
            reference=row.text("reference"),
            pinned=row.text("pinned"),
            aligned=tuple(row.texts("aligned")),
            provenance=row.provenance(),
            source=row.text("source"),
        )
    return DlmsReferences(
        document=table.text("document"),
        as_at=table.text("as_at"),
        books=books,
        source=table.source,
    )


@functools.cache
def _bundled() -> DlmsReferences:
    return _load(None)


def load_dlms_references(path: str | os.PathLike[str] | None = None) -> DlmsReferences:
    """GBCS's DLMS references from ``path``, or the bundled ``dlms_references.toml`` when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    return _bundled() if path is None else _load(path)


def edition_rule(references: DlmsReferences | None = None) -> Rule[object]:
    """``gbcs.dlms-edition-references``: a reference names the DLMS edition GBCS pins.

    The rule's subject may be any object: it judges :class:`EditionReference` subjects and does
    not apply to others (so it can sit in a rule set judging several kinds of subject).
    """
    refs = references or load_dlms_references()

    def fn(subject: object) -> Verdict:
        if not isinstance(subject, EditionReference):
            return Verdict(Outcome.NOT_APPLICABLE, "not a reference to a DLMS edition")
        book = refs.book(subject.book)
        if subject.edition == book.pinned:
            return Verdict(Outcome.PASS, f"GBCS cites {book.title} {book.pinned}")
        aligned = " (aligned with the Yellow Book)" if subject.edition in book.aligned else ""
        return Verdict(
            Outcome.FAIL,
            f"GBCS cites {book.title} {book.pinned}, not {subject.edition}{aligned}",
        )

    return Rule(
        id=EDITION_RULE,
        title="A DLMS reference names the edition GBCS cites",
        clauses=(cite("gbcs.dlms-edition-references"),),
        fn=fn,
        data_files=(data_file(refs.source, TABLE),),
        text="GBCS cites the DLMS UA Green Book (DLMS UA 1000-2) Ed. 8 and Blue Book"
        " (DLMS UA 1000-1) Ed. 12.0.",
    )
