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
import sys
import types
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from secrules.core.data import load_table
from secrules.core.proposals import Proposal, ProposalModel
from secrules.core.validation import require_path, require_type
from secrules.errors import DataFileError, UnknownProposalError

if TYPE_CHECKING:  # the impact engine is imported when impact() runs (start-up of the CLI)
    from secrules.core.impact import ImpactReport

__all__ = ["MODELS", "MODEL_SUMMARIES", "get_proposal", "impact", "proposals"]

_ID = re.compile(r"^(?:(?:DP|MP|SECMP)0*)?(\d{1,4})([AB])?$")


def _dp125() -> ProposalModel[Any]:
    from secrules.proposals.dp125 import Dp125Model

    return Dp125Model()


def _dp126() -> ProposalModel[Any]:
    from secrules.proposals.dp126 import Dp126Model

    return Dp126Model()


def _dp127() -> ProposalModel[Any]:
    from secrules.proposals.dp127 import Dp127Model

    return Dp127Model()


def _dp128() -> ProposalModel[Any]:
    from secrules.proposals.dp128 import Dp128Model

    return Dp128Model()


def _dp129() -> ProposalModel[Any]:
    from secrules.proposals.dp129 import Dp129Model

    return Dp129Model()


def _mp130() -> ProposalModel[Any]:
    from secrules.proposals.mp130 import Mp130Model

    return Mp130Model()


def _dp131() -> ProposalModel[Any]:
    from secrules.proposals.dp131 import Dp131Model

    return Dp131Model()


def _dp132() -> ProposalModel[Any]:
    from secrules.proposals.dp132 import Dp132Model

    return Dp132Model()


def _dp133() -> ProposalModel[Any]:
    from secrules.proposals.dp133 import Dp133Model

    return Dp133Model()


#: The factory of each modelled proposal's model, by proposal id (built lazily, once).
MODELS: Mapping[str, Callable[[], ProposalModel[Any]]] = MappingProxyType(
    {
        "DP125": _dp125,
        "DP126": _dp126,
        "DP127": _dp127,
        "DP128": _dp128,
        "DP129": _dp129,
        "MP130": _mp130,
        "DP131": _dp131,
        "DP132": _dp132,
        "DP133": _dp133,
    }
)


#: Each model's one-line ``summary``, the one place it is written: the model class reads its
#: ``summary`` from here, and ``secrules proposals`` lists it without importing the model.
MODEL_SUMMARIES: Mapping[str, str] = MappingProxyType(
    {
        "DP125": (
            "SR 8.4 UpdateDeviceDetails carrying ESMEVariant: 10 actor kinds x 8 device types x 9"
            " SMI statuses, both regimes named assumptions (A125-4 / A125-5)"
        ),
        "DP126": (
            "DCC data requests: eligible x data class x consent = 12 requests; the proposed per-"
            "request consent check is assumed (A126-1), 2 changed"
        ),
        "DP127": (
            "ARO screening: 4 records x 2 provisions (G4.3, SMKI RAPP); the RAPP rule changes for"
            " all 4, the G4.3 rule for none"
        ),
        "DP128": (
            "A GNO ceasing to be a DCC User: CRR submitted x certificate replaced by the ACB's on"
            " all / some / no Devices, 6 scenarios, 6 changed; orphaned Devices flagged in both"
        ),
        "DP129": (
            "ECDSA signing variant by signer party: 11 parties x 2 variants under two readings of"
            " GBCS 4.3.3.2 (BEIS's: no row changes; the DSP's: the 10 Remote Party x CNSA rows); "
            "a Device accepts both (computed)"
        ),
        "MP130": (
            "Communications Hub ordering and delivery: 5 events (deferral request, amendment "
            "inside / outside the commitment period, delivery after restart at / below the "
            "minimum), 4 changed"
        ),
        "DP131": (
            "ESME default maximum-demand configurable period (Schedule 0-0:12.0.0.255) against "
            "GBCS Table 28d and the ECS37 template, before and after MP131"
        ),
        "DP132": (
            "DLMS edition references and the CPL CTT certificate rule: withdrawn, baseline = "
            "proposed, 0 changed"
        ),
        "DP133": ("Section G applicability by User Role set: 127 role sets x 10 parts, 3 changed"),
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
    proposal_id: str | int | Proposal,
    *,
    table: str | os.PathLike[str] | None = None,
    sensitivity: bool = False,
) -> ImpactReport:
    """Evaluate every scenario of a proposal under both regimes (``DP133``, ``133``...).

    ``table`` is the path (``str`` or :class:`os.PathLike`) of the user's own copy of the
    proposal's parameter table (for example the real GBCS Table 28d for DP131), used instead of
    the bundled one. An argument of the wrong type raises
    :class:`~secrules.errors.InvalidValueError` naming it. With ``sensitivity=True`` the
    report also says, per assumption the model declares alternatives for, whether its changed
    rows move (one impact per alternative). (``secrules.impact``.)
    """
    if not isinstance(proposal_id, Proposal):
        require_type(proposal_id, "proposal_id", (str, int), "a str, an int or a Proposal")
    if table is not None:
        require_path(table, "table")
    proposal = proposal_id if isinstance(proposal_id, Proposal) else get_proposal(proposal_id)
    model = proposal.require_model()
    chosen = model if table is None else model.with_table(table)
    from secrules.core.impact import compute_impact  # start-up: see TYPE_CHECKING above

    return compute_impact(proposal, chosen, sensitivity=bool(sensitivity))


class _RegistryModule(types.ModuleType):
    """This subpackage, callable as the function :func:`proposals` it exports.

    ``secrules.proposals()`` is the function, looked up lazily by ``secrules``; but importing a
    submodule first (``import secrules.proposals.dp133``) makes Python bind this subpackage to
    the same attribute. Calling the subpackage therefore does what the function does.
    """

    def __call__(self) -> tuple[Proposal, ...]:
        return proposals()


sys.modules[__name__].__class__ = _RegistryModule
