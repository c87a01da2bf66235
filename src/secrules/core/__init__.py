"""The secrules core: clause references, findings, rules, rule sets, proposals and impact."""

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
