"""Who may set or correct an ESME's ``ESMEVariant``: the DP125 rules, as data-driven rule sets.

The outcome of DP125 is unknown, so both regimes are named assumptions read from
``data/dp125_policy.toml`` (A125-1..8, provenance ``assumed``). The baseline rule set holds three
labelled rules; the proposed set is derived from it by replacing ``dp125.variant-correction-actor``
with a rule that adds the A125-5 exception. The baseline is never edited.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.clauses import ClauseRef
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.proposals import Assumption, read_assumptions
from secrules.core.regimes import Regime
from secrules.core.rules import Rule, RuleSet
from secrules.errors import InvalidValueError
from secrules.inventory.types import DeviceStatus, DeviceType, variant_catalogue
from secrules.sec import UserRole

__all__ = [
    "ACTOR_RULE",
    "DEVICE_TYPE_RULE",
    "KNOWN_RULE",
    "Actor",
    "Dp125Policy",
    "Grant",
    "VariantChange",
    "dp125_policy",
    "load_dp125_policy",
    "variant_rulesets",
]

ACTOR_RULE = "dp125.variant-correction-actor"
DEVICE_TYPE_RULE = "duis.12-2.esme-variant-device-type"
KNOWN_RULE = "inventory.esme-variant-known"

_RELATIONS = ("installing", "responsible")


def _role(value: str | UserRole) -> UserRole:
    return UserRole.parse(value)


@attrs.frozen
class Actor:
    """A User sending a request, seen from one device: its role and its relation to the device.

    ``installing``: it pre-notified the device with SR 12.2 (A125-1, model state).
    ``responsible``: it is registered for the device's MPxN now (A125-2, model input).
    """

    role: UserRole = attrs.field(converter=_role)
    installing: bool = False
    responsible: bool = False

    @property
    def kind(self) -> str:
        """A readable label: ``"gaining responsible IS"``, ``"unrelated ED"``..."""
        code = self.role.code
        if self.installing and self.responsible:
            return f"installing responsible {code}"
        if self.installing:
            return f"installing former {code}"
        if self.responsible:
            return f"gaining responsible {code}"
        return f"unrelated {code}"


@attrs.frozen
class VariantChange:
    """The subject of the DP125 rules: who asks to set which variant on which device.

    ``status`` None means the device is not yet in the SMI (pre-notification); ``variant`` is the
    code as sent (possibly not a known code: the rules report it); ``era`` names the whitelist.
    """

    actor: Actor
    device_type: DeviceType
    status: DeviceStatus | None
    variant: str
    era: str
    path: str | None = None
    offset: int | None = None


@attrs.frozen
class Grant:
    """One permission to change ESMEVariant: role, relation to the device, statuses."""

    role: UserRole
    relation: str
    statuses: frozenset[DeviceStatus]
    assumption: str

    def allows(self, change: VariantChange) -> bool:
        """True if this grant covers ``change``."""
        actor = change.actor
        related = actor.installing if self.relation == "installing" else actor.responsible
        return actor.role is self.role and related and change.status in self.statuses

    def describe(self) -> str:
        """``the installing IS while Pending, Whitelisted or InstalledNotCommissioned``."""
        order = [s for s in DeviceStatus if s in self.statuses]
        names = [s.value for s in order]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"the {self.relation} {self.role.code} while {listed} ({self.assumption})"


@attrs.frozen
class Dp125Policy:
    """The DP125 assumptions and grants, as read from one table."""

    assumptions: tuple[Assumption, ...]
    baseline_grants: tuple[Grant, ...]
    proposed_grants: tuple[Grant, ...]
    default_era: str
    file: str
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def assumption(self, ident: str) -> Assumption:
        """The assumption ``ident`` (``A125-4``)."""
        for item in self.assumptions:
            if item.id == ident:
                return item
        raise InvalidValueError(f"no DP125 assumption {ident!r} in {self.file}")

    def clause(self, ident: str) -> ClauseRef:
        """A ClauseRef citing assumption ``ident`` of this policy file."""
        item = self.assumption(ident)
        return ClauseRef(
            document="DP125 model (dp125_policy.toml)",
            clause=ident,
            version="paper of 28 May 2020",
            provenance=item.provenance,
            note=item.text,
        )

    def grants(self, regime: Regime) -> tuple[Grant, ...]:
        """The grants in force under ``regime`` (proposed = baseline + the exception)."""
        if regime == "baseline":
            return self.baseline_grants
        return self.baseline_grants + self.proposed_grants


def _grants(rows: list[TableReader], known: set[str]) -> tuple[Grant, ...]:
    out = []
    for row in rows:
        try:
            role = UserRole.parse(row.text("role"))
            statuses = frozenset(DeviceStatus.parse(s) for s in row.texts("statuses"))
        except InvalidValueError as exc:
            raise row.error(str(exc)) from None
        assumption = row.text("assumption")
        if assumption not in known:
            raise row.error(f"unknown assumption {assumption!r}", "assumption")
        row.text("source")
        row.provenance()
        out.append(
            Grant(
                role=role,
                relation=row.choice("relation", _RELATIONS),
                statuses=statuses,
                assumption=assumption,
            )
        )
    return tuple(out)


def load_dp125_policy(source: str | os.PathLike[str] | None = None) -> Dp125Policy:
    """Read ``dp125_policy.toml`` (or a user's copy in the same schema)."""
    table = load_table(source, default="dp125_policy.toml")
    assumptions = read_assumptions(table)
    known = {a.id for a in assumptions}
    expected = {f"A125-{i}" for i in range(1, 9)}
    if not expected <= known:
        raise table.error(f"missing assumptions {sorted(expected - known)}", "assumption")
    default_era = table.text("default_era")
    try:
        variant_catalogue().set(default_era)
    except InvalidValueError as exc:
        raise table.error(str(exc), "default_era") from None
    return Dp125Policy(
        assumptions=assumptions,
        baseline_grants=_grants(table.table("baseline").tables("grant"), known),
        proposed_grants=_grants(table.table("proposed").tables("grant"), known),
        default_era=default_era,
        file=table.file,
        source=table.source,
    )


@functools.cache
def dp125_policy() -> Dp125Policy:
    """The bundled DP125 policy (read once)."""
    return load_dp125_policy(None)


_UPDATE_DETAILS = ClauseRef(
    document="DUIS XML Schema",
    clause="SR 8.4 UpdateInventory/UpdateDeviceDetails/ESMEVariant",
    version="V5.0-V5.4",
    provenance="stated",
    note="the only DUIS request that can rewrite ESMEVariant after pre-notification (checked)",
)
_PRENOTIFICATION = ClauseRef(
    document="DUIS XML Schema",
    clause="SR 12.2 DevicePrenotification/ESMEVariant",
    version="V5.0-V5.4",
    provenance="stated",
    note="optional element; only an ESME has an ESMEVariant (inferred)",
)


def _actor_rule(policy: Dp125Policy, regime: Regime) -> Rule:
    grants = policy.grants(regime)
    cited = [policy.clause("A125-4")]
    if regime == "proposed":
        cited.append(policy.clause("A125-5"))
    cited += [policy.clause("A125-6"), policy.clause("A125-1"), policy.clause("A125-2")]
    allowed = "; ".join(g.describe() for g in grants)

    def fn(change: VariantChange) -> Verdict:
        if change.device_type is not DeviceType.ESME:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"a {change.device_type.value} has no ESMEVariant (see {DEVICE_TYPE_RULE})",
                path=change.path,
                offset=change.offset,
            )
        if change.status is None:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                "pre-notification (SR 12.2) sets the variant; it is not a correction (A125-3)",
                path=change.path,
                offset=change.offset,
            )
        who = f"the {change.actor.kind} on a {change.status.value} ESME"
        for grant in grants:
            if grant.allows(change):
                return Verdict(
                    Outcome.PASS,
                    f"{who} may change ESMEVariant: {grant.describe()}",
                    path=change.path,
                    offset=change.offset,
                    label="permitted",
                )
        return Verdict(
            Outcome.FAIL,
            f"{who} may not change ESMEVariant under the {regime} regime; only {allowed} (A125-6)",
            path=change.path,
            offset=change.offset,
            label="not permitted",
        )

    text = (
        "SR 8.4 UpdateDeviceDetails may change ESMEVariant only if the sender is "
        + allowed
        + "; nobody else, in no other status or device type."
    )
    return Rule(
        id=ACTOR_RULE,
        title="Who may correct an ESME's ESMEVariant"
        + (
            " (proposed: plus the Responsible IS once Commissioned)" if regime == "proposed" else ""
        ),
        clauses=(*cited, _UPDATE_DETAILS),
        fn=fn,
        text=text,
    )


def _device_type_rule(policy: Dp125Policy) -> Rule:
    def fn(change: VariantChange) -> Verdict:
        if change.device_type is DeviceType.ESME:
            return Verdict(
                Outcome.PASS,
                "ESMEVariant is carried for an ESME",
                path=change.path,
                offset=change.offset,
            )
        return Verdict(
            Outcome.FAIL,
            f"ESMEVariant {change.variant!r} is carried for a {change.device_type.value}; "
            "only an ESME has a variant (A125-7)",
            path=change.path,
            offset=change.offset,
        )

    return Rule(
        id=DEVICE_TYPE_RULE,
        title="ESMEVariant only for an ESME",
        clauses=(policy.clause("A125-7"), _PRENOTIFICATION),
        fn=fn,
        text="A request carrying ESMEVariant for a device other than an ESME fails, whoever "
        "sends it, in both regimes.",
    )


def _known_rule(policy: Dp125Policy) -> Rule:
    catalogue = variant_catalogue()

    def fn(change: VariantChange) -> Verdict:
        codes = catalogue.set(change.era).codes
        if change.variant in codes:
            return Verdict(
                Outcome.PASS,
                f"ESMEVariant {change.variant!r} is in the {change.era!r} set",
                path=change.path,
                offset=change.offset,
            )
        return Verdict(
            Outcome.FAIL,
            f"ESMEVariant {change.variant!r} is not in the {change.era!r} set "
            f"({', '.join(codes)}; case-sensitive)",
            path=change.path,
            offset=change.offset,
        )

    return Rule(
        id=KNOWN_RULE,
        title="ESMEVariant in the era's whitelist",
        clauses=(
            policy.clause("A125-8"),
            ClauseRef(
                document="DUIS XML Schema",
                clause="ESMEVariant enumeration",
                version="V5.0-V5.4 (duis-5.x); 2020 set inferred",
                provenance="stated",
                note="the 25 codes of duis-5.x are stated; the 9 codes of 2020 are inferred",
            ),
        ),
        fn=fn,
        text="The ESMEVariant sent must be one of the codes of the era's set "
        "(esme_variants.toml); the same check in both regimes.",
    )


@functools.cache
def _rulesets(policy: Dp125Policy) -> Mapping[Regime, RuleSet]:
    baseline = RuleSet.of(
        "dp125-baseline",
        [_actor_rule(policy, "baseline"), _device_type_rule(policy), _known_rule(policy)],
    )
    proposed = baseline.derive("dp125-proposed", replace=[_actor_rule(policy, "proposed")])
    return MappingProxyType({"baseline": baseline, "proposed": proposed})


def variant_rulesets(policy: Dp125Policy | None = None) -> Mapping[Regime, RuleSet]:
    """``{"baseline": RuleSet, "proposed": RuleSet}``; proposed is derived from baseline."""
    return _rulesets(policy or dp125_policy())
