"""Renderers of impact reports and findings: text, Markdown, JSON and HTML."""

from secrules.report.catalogue import find_rule, render_catalogue, render_rule, rule_catalogue
from secrules.report.findings import OUTCOME_LABELS, FileFindings, outcome_label, render_findings
from secrules.report.impact import IMPACT_FORMATS, render_impact
from secrules.report.provenance import RunInfo, run_info
from secrules.report.readings import reading_assumptions, reading_difference
from secrules.report.serialise import as_json
from secrules.report.summary import Summary, summarise

__all__ = [
    "IMPACT_FORMATS",
    "OUTCOME_LABELS",
    "FileFindings",
    "RunInfo",
    "Summary",
    "as_json",
    "find_rule",
    "outcome_label",
    "reading_assumptions",
    "reading_difference",
    "render_catalogue",
    "render_findings",
    "render_impact",
    "render_rule",
    "rule_catalogue",
    "run_info",
    "summarise",
]
