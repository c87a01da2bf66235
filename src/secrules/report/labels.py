"""Readable labels for impact reports: parameter names, values, caveats said once, a glossary.

Parameter names come from the model's :attr:`~secrules.core.ProposalModel.field_names`, else
are humanised (``enable_octet`` reads "Enable octet"). A value's trailing parenthesis
(``FF (as RTDS sends)``) is a caveat: it is shown once, as a numbered note, and the value keeps
only a note mark. The glossary (``data/glossary.toml``) lists the terms a report uses.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable
from typing import Any

import attrs

from secrules.core.data import load_table
from secrules.core.proposals import ProposalModel

__all__ = [
    "Notes",
    "Term",
    "field_name",
    "glossary",
    "glossary_for",
    "humanise",
    "plain",
    "split_caveat",
    "wrap",
]

#: The width text and Markdown reports wrap at.
WIDTH = 100

_CAVEAT = re.compile(r"^(?P<value>.*?\S)\s*\((?P<caveat>[^()]+)\)$")


def humanise(name: str) -> str:
    """``enable_octet`` -> ``Enable octet``: underscores as spaces, first letter capital."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def field_name(model: ProposalModel[Any], name: str) -> str:
    """The human name of scenario parameter ``name``: the model's, else humanised."""
    return model.field_names.get(name) or humanise(name)


def plain(value: object) -> str:
    """A scenario value as people read it: lists joined, booleans as yes / no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value)
    return str(value)


def split_caveat(text: str) -> tuple[str, str]:
    """``FF (as RTDS sends)`` -> (``FF``, ``as RTDS sends``); ("text", "") without one."""
    match = _CAVEAT.match(text)
    if match is None:
        return text, ""
    return match.group("value"), match.group("caveat")


@attrs.define
class Notes:
    """Caveats of one report, numbered in order of first use, each said once."""

    items: list[str] = attrs.field(factory=list)

    def mark(self, caveat: str) -> int:
        """The number of ``caveat`` (added on first use)."""
        if caveat not in self.items:
            self.items.append(caveat)
        return self.items.index(caveat) + 1

    def value(self, value: object) -> str:
        """``value`` readable, its caveat replaced by a note mark (``FF [1]``)."""
        short, caveat = split_caveat(plain(value))
        return f"{short} [{self.mark(caveat)}]" if caveat else short

    def numbered(self) -> list[tuple[int, str]]:
        """The notes as (number, text)."""
        return list(enumerate(self.items, start=1))


@attrs.frozen
class Term:
    """One glossary entry: the term, the spellings that mark its use, and its definition."""

    term: str
    match: tuple[str, ...]
    definition: str

    def used_in(self, text: str) -> bool:
        """True when one of the spellings occurs in ``text`` as a whole word."""
        for spelling in self.match:
            flags = 0 if spelling.isupper() or spelling[:1].isupper() else re.IGNORECASE
            if re.search(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", text, flags):
                return True
        return False


@functools.cache
def glossary() -> tuple[Term, ...]:
    """Every term of the bundled glossary (``data/glossary.toml``), in its order."""
    table = load_table(None, default="glossary.toml")
    return tuple(
        Term(
            term=row.text("term"),
            match=tuple(row.texts("match", allow_empty=False)),
            definition=row.text("definition"),
        )
        for row in table.tables("term")
    )


def glossary_for(texts: Iterable[str]) -> tuple[Term, ...]:
    """The glossary terms used in ``texts``, in glossary order."""
    joined = "\n".join(texts)
    return tuple(term for term in glossary() if term.used_in(joined))


def wrap(text: str, *, indent: str = "", first: str | None = None, width: int = WIDTH) -> list[str]:
    """``text`` wrapped at ``width`` columns; ``first`` starts the first line (else ``indent``).

    Words longer than a line (a SHA-256, a path) are broken, so no line is ever longer.
    """
    lead = indent if first is None else first
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=lead,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [lead.rstrip()]
