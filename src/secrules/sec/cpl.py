"""The DLMS certificate a Device needs for the Certified Products List (CPL), as in 2020.

One labelled rule over a :class:`CplSubmission`, ``cpl.dlms-ctt-certificate`` (stated, SECCo page
for DP132): adding a Device to the CPL needs a DLMS certificate from the Conformance Test Tool
(CTT) 3.1; a CTT 3.0 certificate is accepted only for a Device tested before 3 Mar 2020, when the
Yellow Book DLMS UA 1001-1 Ed. 6.1 V1.1 sunset CTT 3.0. The versions, the date and the treatment
of the date itself (an assumption) are data (``data/cpl_ctt.toml``).
"""

from __future__ import annotations

import os
from datetime import date

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule
from secrules.core.sources import data_file

__all__ = ["CPL_RULE", "CplSubmission", "CttPolicy", "cpl_rule", "load_ctt_policy"]

#: Rule id.
CPL_RULE = "cpl.dlms-ctt-certificate"
TABLE = "cpl_ctt.toml"


@attrs.frozen
class CplSubmission:
    """A Device put forward for the CPL: its DLMS certificate's CTT version, and its test date."""

    #: ``"3.1"``, ``"3.0"``, or None when it has no DLMS certificate.
    ctt: str | None
    tested_on: date


@attrs.frozen
class CttPolicy:
    """Which CTT versions the CPL accepts, and until when the legacy one is accepted."""

    document: str
    current: str
    legacy: str
    legacy_tested_before: date
    #: Whether a legacy certificate is accepted for a Device tested on the date itself.
    boundary_accepted: bool
    boundary_provenance: Provenance
    boundary_source: str
    provenance: Provenance
    source_note: str
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)


@bundled_once
def load_ctt_policy(path: str | os.PathLike[str] | None = None) -> CttPolicy:
    """The CPL's CTT policy from ``path``, or the bundled ``cpl_ctt.toml`` when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=TABLE)
    text = table.text("legacy_tested_before")
    try:
        cutoff = date.fromisoformat(text)
    except ValueError:
        raise table.error(f"{text!r} is not a date (YYYY-MM-DD)", "legacy_tested_before") from None
    boundary = table.table("boundary")
    return CttPolicy(
        document=table.text("document"),
        current=table.text("current"),
        legacy=table.text("legacy"),
        legacy_tested_before=cutoff,
        boundary_accepted=boundary.flag("accepted"),
        boundary_provenance=boundary.provenance(),
        boundary_source=boundary.text("source"),
        provenance=table.provenance(),
        source_note=table.text("source"),
        source=table.source,
    )


def cpl_rule(policy: CttPolicy | None = None) -> Rule[object]:
    """``cpl.dlms-ctt-certificate``: a CPL Device's DLMS certificate is from an accepted CTT.

    Judges :class:`CplSubmission` subjects and does not apply to others.
    """
    pol = policy or load_ctt_policy()
    cutoff = pol.legacy_tested_before.isoformat()
    boundary = ClauseRef(
        pol.document,
        f"a CTT {pol.legacy} certificate for a Device tested on {cutoff} itself:"
        f" {'accepted' if pol.boundary_accepted else 'refused'}",
        f"as at {cutoff}",
        pol.boundary_provenance,
        note=pol.boundary_source,
    )

    def fn(subject: object) -> Verdict:
        if not isinstance(subject, CplSubmission):
            return Verdict(Outcome.NOT_APPLICABLE, "not a CPL submission")
        if subject.ctt == pol.current:
            return Verdict(Outcome.PASS, f"a CTT {pol.current} DLMS certificate")
        if subject.ctt != pol.legacy:
            return Verdict(Outcome.FAIL, "no DLMS certificate from an accepted CTT version")
        tested = subject.tested_on
        if tested < pol.legacy_tested_before or (
            tested == pol.legacy_tested_before and pol.boundary_accepted
        ):
            return Verdict(
                Outcome.PASS, f"a CTT {pol.legacy} certificate for a Device tested {tested}"
            )
        return Verdict(
            Outcome.FAIL,
            f"a CTT {pol.legacy} certificate is accepted only for a Device tested before"
            f" {cutoff}; this one was tested {tested}",
        )

    return Rule(
        id=CPL_RULE,
        title="A Device added to the CPL has a DLMS certificate from an accepted CTT version",
        clauses=(cite("cpl.dlms-ctt-certificate"), boundary),
        fn=fn,
        data_files=(data_file(pol.source, TABLE),),
        text="Adding a Device to the CPL needs a DLMS certificate from CTT 3.1; a CTT 3.0"
        " certificate is accepted only for a Device tested before 3 Mar 2020.",
    )
