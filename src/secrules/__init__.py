"""secrules: the GB Smart Energy Code's technical rules as executable, property-tested models.

The public face: :func:`check` runs every applicable rule on a payload (:func:`failed` says
whether its findings fail the check), :func:`proposals` and
:func:`get_proposal` give the items of the 28 May 2020 paper, and :func:`impact` evaluates a
proposal under the ``"baseline"`` and ``"proposed"`` regimes.

Arguments are checked before any work: a wrong type raises
:class:`~secrules.errors.InvalidValueError` naming the parameter. Where a file makes sense, an
:class:`os.PathLike` (such as :class:`pathlib.Path`) means "read this file": ``check(Path(...))``
reads the payload from the file, and ``table=`` takes a ``str`` or ``os.PathLike`` path.

A user-written rule needs only ``import secrules``: :class:`Rule` and :class:`RuleSet`, the
:class:`Verdict` a rule function returns, :class:`Outcome`, :class:`ClauseRef` and
:class:`Provenance` are here, and every error is under :mod:`secrules.errors` (rooted at
:class:`SecrulesError`). :mod:`secrules.testing` holds the assertion helpers for test harnesses.
"""

from typing import TYPE_CHECKING

from secrules import errors
from secrules._lazy import attach
from secrules._version import __version__
from secrules.errors import SecrulesError

if TYPE_CHECKING:
    from secrules.checking import check, failed
    from secrules.core import (
        Assumption,
        ClauseRef,
        Finding,
        ImpactReport,
        Outcome,
        Proposal,
        Provenance,
        Rule,
        RuleSet,
        Scenario,
        Verdict,
        compute_impact,
    )
    from secrules.proposals import get_proposal, impact, proposals

# Imported when first used (secrules._lazy): importing the package stays cheap.
__getattr__, __dir__ = attach(
    __name__,
    {
        "check": "secrules.checking",
        "failed": "secrules.checking",
        "Assumption": "secrules.core",
        "ClauseRef": "secrules.core",
        "Finding": "secrules.core",
        "ImpactReport": "secrules.core",
        "Outcome": "secrules.core",
        "Proposal": "secrules.core",
        "Provenance": "secrules.core",
        "Rule": "secrules.core",
        "RuleSet": "secrules.core",
        "Scenario": "secrules.core",
        "Verdict": "secrules.core",
        "compute_impact": "secrules.core",
        "get_proposal": "secrules.proposals",
        "impact": "secrules.proposals",
        "proposals": "secrules.proposals",
    },
    globals(),
)

__all__ = [
    "Assumption",
    "ClauseRef",
    "Finding",
    "ImpactReport",
    "Outcome",
    "Proposal",
    "Provenance",
    "Rule",
    "RuleSet",
    "Scenario",
    "SecrulesError",
    "Verdict",
    "__version__",
    "check",
    "compute_impact",
    "errors",
    "failed",
    "get_proposal",
    "impact",
    "proposals",
]
