"""The secrules core: clause references, findings, rules, rule sets, proposals and impact."""

from typing import TYPE_CHECKING

from secrules._lazy import attach

if TYPE_CHECKING:
    from secrules.core.clauses import ClauseRef, Provenance
    from secrules.core.data import TableReader, load_table
    from secrules.core.findings import Finding, Outcome, Verdict
    from secrules.core.impact import ImpactReport, ImpactRow, compute_impact
    from secrules.core.proposals import (
        Assumption,
        Grid,
        Proposal,
        ProposalModel,
        Reading,
        Scenario,
        Variation,
        default_grid,
    )
    from secrules.core.regimes import BASELINE, PROPOSED, REGIMES, Regime, check_regime
    from secrules.core.rules import Rule, RuleSet

# Imported when first used (secrules._lazy): importing the package stays cheap.
__getattr__, __dir__ = attach(
    __name__,
    {
        "ClauseRef": "secrules.core.clauses",
        "Provenance": "secrules.core.clauses",
        "TableReader": "secrules.core.data",
        "load_table": "secrules.core.data",
        "Finding": "secrules.core.findings",
        "Outcome": "secrules.core.findings",
        "Verdict": "secrules.core.findings",
        "ImpactReport": "secrules.core.impact",
        "ImpactRow": "secrules.core.impact",
        "compute_impact": "secrules.core.impact",
        "Assumption": "secrules.core.proposals",
        "Grid": "secrules.core.proposals",
        "default_grid": "secrules.core.proposals",
        "Proposal": "secrules.core.proposals",
        "ProposalModel": "secrules.core.proposals",
        "Reading": "secrules.core.proposals",
        "Scenario": "secrules.core.proposals",
        "Variation": "secrules.core.proposals",
        "BASELINE": "secrules.core.regimes",
        "PROPOSED": "secrules.core.regimes",
        "REGIMES": "secrules.core.regimes",
        "Regime": "secrules.core.regimes",
        "check_regime": "secrules.core.regimes",
        "Rule": "secrules.core.rules",
        "RuleSet": "secrules.core.rules",
    },
    globals(),
)

__all__ = [
    "BASELINE",
    "PROPOSED",
    "REGIMES",
    "Assumption",
    "ClauseRef",
    "Finding",
    "Grid",
    "ImpactReport",
    "ImpactRow",
    "Outcome",
    "Proposal",
    "ProposalModel",
    "Provenance",
    "Reading",
    "Regime",
    "Rule",
    "RuleSet",
    "Scenario",
    "TableReader",
    "Variation",
    "Verdict",
    "check_regime",
    "compute_impact",
    "default_grid",
    "load_table",
]
