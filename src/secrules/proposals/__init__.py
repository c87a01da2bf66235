"""The registry of the nine items of the 28 May 2020 paper, in paper order.

What is known of each item lives in ``data/proposals.toml``. An item is *modelled* when this
package has a module named after it (``dp133.py``) exposing ``MODEL``, a
:class:`~secrules.core.ProposalModel`; every other item says plainly that it is not modelled.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re

from secrules.core.data import load_table
from secrules.core.proposals import Proposal, ProposalModel
from secrules.core.validation import require_type
from secrules.errors import DataFileError, UnknownProposalError

__all__ = ["get_proposal", "proposals"]

_ID = re.compile(r"^(?:(?:DP|MP|SECMP)0*)?(\d{1,4})([AB])?$")


def _model_for(module_name: str) -> ProposalModel | None:
    qualified = f"{__name__}.{module_name}"
    if importlib.util.find_spec(qualified) is None:
        return None
    model = getattr(importlib.import_module(qualified), "MODEL", None)
    if not isinstance(model, ProposalModel):
        msg = f"{qualified} must define MODEL, a ProposalModel"
        raise TypeError(msg)
    return model


@functools.cache
def proposals() -> tuple[Proposal, ...]:
    """The nine items of the paper, in paper order, each with its model if it has one."""
    table = load_table(None, default="proposals.toml")
    items = []
    for row in table.tables("proposal"):
        pid = row.text("id")
        items.append(
            Proposal(
                id=pid,
                number=row.integer("number"),
                title=row.text("title"),
                raised_by=row.text("raised_by"),
                raised=row.text("raised"),
                status=row.text("status"),
                outcome=row.text("outcome"),
                modification=str(row.raw("modification")),
                problem=row.text("problem"),
                sources=tuple(row.texts("sources", allow_empty=False)),
                provenance=row.provenance(),
                model=_model_for(pid.lower()),
            )
        )
    numbers = [p.number for p in items]
    if len(set(numbers)) != len(numbers):
        raise DataFileError("proposal numbers must be unique", file=table.file, key="proposal")
    return tuple(items)


def get_proposal(ident: str | int) -> Proposal:
    """The proposal named ``ident``: ``DP131``, ``MP131``, ``131``, ``MP128A`` all work.

    Raises :class:`UnknownProposalError` for anything that is not one of the paper's nine items,
    and :class:`InvalidValueError` when ``ident`` is neither a ``str`` nor an ``int``.
    """
    require_type(ident, "ident", (str, int), "a str or an int (DP131, 131)")
    text = str(ident).strip().upper().replace(" ", "")
    match = _ID.match(text)
    if match is not None:
        number = int(match.group(1))
        for proposal in proposals():
            if proposal.number == number:
                return proposal
    known = ", ".join(p.id for p in proposals())
    raise UnknownProposalError(f"unknown proposal {ident!r}; the paper lists {known}")
