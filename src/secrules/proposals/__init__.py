"""The registry of the nine items of the 28 May 2020 paper, in paper order.

What is known of each item lives in ``data/proposals.toml``. An item is *modelled* when
:data:`MODELS` names the factory of its :class:`~secrules.core.ProposalModel` (one module per
proposal, ``dp133.py``); a model is built on first use, never at import. Every other item says
plainly that it is not modelled.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from secrules.core.data import load_table
from secrules.core.impact import ImpactReport, compute_impact
from secrules.core.proposals import Proposal, ProposalModel
from secrules.core.validation import require_path, require_type
from secrules.errors import DataFileError, UnknownProposalError

__all__ = ["MODELS", "MODEL_SUMMARIES", "get_proposal", "impact", "proposals"]

_ID = re.compile(r"^(?:(?:DP|MP|SECMP)0*)?(\d{1,4})([AB])?$")


def _dp125() -> ProposalModel[Any]:
    from secrules.proposals.dp125 import Dp125Model

    return Dp125Model()


def _dp129() -> ProposalModel[Any]:
    from secrules.proposals.dp129 import Dp129Model

    return Dp129Model()


def _dp131() -> ProposalModel[Any]:
    from secrules.proposals.dp131 import Dp131Model

    return Dp131Model()


def _dp133() -> ProposalModel[Any]:
    from secrules.proposals.dp133 import Dp133Model

    return Dp133Model()


#: The factory of each modelled proposal's model, by proposal id (built lazily, once).
MODELS: Mapping[str, Callable[[], ProposalModel[Any]]] = MappingProxyType(
    {"DP125": _dp125, "DP129": _dp129, "DP131": _dp131, "DP133": _dp133}
)


#: Each model's one-line ``summary``, known without importing the model's module (so
#: ``secrules proposals`` starts fast); a test checks it is each model's own summary.
MODEL_SUMMARIES: Mapping[str, str] = MappingProxyType(
    {
        "DP125": "SR 8.4 UpdateDeviceDetails carrying ESMEVariant: 10 actor kinds x 8 device types "
        "x 9 SMI statuses, both regimes named assumptions (A125-4 / A125-5)",
        "DP129": "ECDSA signing variant by signer party: 11 parties x 2 variants, the 10 Remote "
        "Party x CNSA rows change; a Device accepts both (computed)",
        "DP131": "ESME default maximum-demand configurable period (Schedule 0-0:12.0.0.255) "
        "against GBCS Table 28d and the ECS37 template, before and after MP131",
        "DP133": "Section G applicability by User Role set: 127 role sets x 10 parts, 3 changed",
    }
)


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
                factory=MODELS.get(pid),
            )
        )
    unknown = set(MODELS) - {p.id for p in items}
    if unknown:
        raise DataFileError(
            f"models for {sorted(unknown)} have no [[proposal]] row",
            file=table.file,
            key="proposal",
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


def impact(
    proposal_id: str | int | Proposal, *, table: str | os.PathLike[str] | None = None
) -> ImpactReport:
    """Evaluate every scenario of a proposal under both regimes (``DP133``, ``133``...).

    ``table`` is the path (``str`` or :class:`os.PathLike`) of the user's own copy of the
    proposal's parameter table (for example the real GBCS Table 28d for DP131), used instead of
    the bundled one. An argument of the wrong type raises
    :class:`~secrules.errors.InvalidValueError` naming it. (``secrules.impact``.)
    """
    if not isinstance(proposal_id, Proposal):
        require_type(proposal_id, "proposal_id", (str, int), "a str, an int or a Proposal")
    if table is not None:
        require_path(table, "table")
    proposal = proposal_id if isinstance(proposal_id, Proposal) else get_proposal(proposal_id)
    model = proposal.require_model()
    return compute_impact(proposal, model if table is None else model.with_table(table))
