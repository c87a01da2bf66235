"""Who may set or correct an ESME's ``ESMEVariant``: the SMI's rules as at 28 May 2020.

The DUIS eligibility matrix is not public, so who may correct the variant after SR 12.2 is a set
of named assumptions read from ``data/variant_policy.toml`` (A125-1..4, A125-6, A125-7, provenance
``assumed``; the table records the SEC / DUIS version it models). :func:`variant_rules` turns
them into three labelled rules over a :class:`VariantChange`:

- ``inventory.variant-correction-actor``: SR 8.4 may change ESMEVariant only when a grant of the
  table covers the sender, its relation to the device and the device's status (A125-4, A125-6);
- ``inventory.esme-variant-device-type``: only an ESME has an ESMEVariant (A125-7);
- ``inventory.esme-variant-known``: the code is in the era's whitelist (``esme_variants.toml``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.proposals import Assumption, read_assumptions
from secrules.core.rules import Rule, RuleSet
from secrules.core.sources import data_file
from secrules.core.validation import require_type
from secrules.errors import InvalidValueError
from secrules.inventory.types import DeviceStatus, DeviceType, variant_catalogue
from secrules.sec import UserRole

__all__ = [
    "ACTOR_RULE",
    "DEVICE_TYPE_RULE",
    "KNOWN_RULE",
    "VARIANT_POLICY_TABLE",
    "Actor",
    "Grant",
    "VariantChange",
    "VariantPolicy",
    "load_variant_policy",
    "read_grants",
    "require_variant_rules",
    "variant_policy",
    "variant_rules",
]

ACTOR_RULE = "inventory.variant-correction-actor"
DEVICE_TYPE_RULE = "inventory.esme-variant-device-type"
KNOWN_RULE = "inventory.esme-variant-known"

#: The bundled table of who may correct the variant.
VARIANT_POLICY_TABLE = "variant_policy.toml"

_RELATIONS = ("installing", "responsible")
_REQUIRED = ("A125-1", "A125-2", "A125-3", "A125-4", "A125-6", "A125-7")


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
    """The subject of the variant rules: who asks to set which variant on which device.

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

    @property
    def is_correction(self) -> bool:
        """True for an SR 8.4 change of an ESME already in the SMI (not a pre-notification)."""
        return self.device_type is DeviceType.ESME and self.status is not None

    @property
    def who(self) -> str:
        """``the gaining responsible IS on a Commissioned ESME`` (for messages)."""
        status = "new" if self.status is None else self.status.value
        return f"the {self.actor.kind} on a {status} {self.device_type.value}"

    def verdict(self, outcome: Outcome, message: str, label: str | None = None) -> Verdict:
        """A verdict on this change, carrying its XML path and offset."""
        return Verdict(outcome, message, path=self.path, offset=self.offset, label=label)


@attrs.frozen
class Grant:
    """One permission to change ESMEVariant: role, relation to the device, statuses."""

    role: UserRole
    relation: str
    statuses: frozenset[DeviceStatus]
    assumption: str

    def allows(self, change: VariantChange) -> bool:
        """True if this grant covers ``change`` (an SR 8.4 correction of an ESME)."""
        actor = change.actor
        related = actor.installing if self.relation == "installing" else actor.responsible
        return (
            change.is_correction
            and actor.role is self.role
            and related
            and change.status in self.statuses
        )

    def describe(self) -> str:
        """``the installing IS while Pending, Whitelisted or InstalledNotCommissioned (A125-4)``."""
        names = [s.value for s in DeviceStatus if s in self.statuses]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return f"the {self.relation} {self.role.code} while {listed} ({self.assumption})"

    def permits(self, change: VariantChange) -> Verdict:
        """The PASS verdict this grant gives ``change`` (call when :meth:`allows` is true)."""
        return change.verdict(
            Outcome.PASS,
            f"{change.who} may change ESMEVariant: {self.describe()}",
            label="permitted",
        )


def read_grants(rows: Iterable[TableReader], known: Iterable[str]) -> tuple[Grant, ...]:
    """Grants from ``[[grant]]`` rows (role, relation, statuses, assumption, source, provenance).

    ``known`` are the assumption ids a grant may cite; another id is a DataFileError naming the
    file and key.
    """
    ids = set(known)
    out = []
    for row in rows:
        try:
            role = UserRole.parse(row.text("role"))
            statuses = frozenset(DeviceStatus.parse(s) for s in row.texts("statuses"))
        except InvalidValueError as exc:
            raise row.error(str(exc)) from None
        assumption = row.text("assumption")
        if assumption not in ids:
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


@attrs.frozen
class VariantPolicy:
    """Who may correct an ESMEVariant, and the assumptions that say so, as read from one table."""

    assumptions: tuple[Assumption, ...]
    grants: tuple[Grant, ...]
    document: str
    as_of: str
    duis_version: str
    file: str
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def assumption(self, ident: str) -> Assumption:
        """The assumption ``ident`` (``A125-4``)."""
        for item in self.assumptions:
            if item.id == ident:
                return item
        raise InvalidValueError(f"no assumption {ident!r} in {self.file}")

    def clause(self, ident: str) -> ClauseRef:
        """A ClauseRef citing assumption ``ident`` of this table, with the version it models."""
        item = self.assumption(ident)
        return ClauseRef(
            document=f"{self.document} ({VARIANT_POLICY_TABLE})",
            clause=ident,
            version=self.as_of,
            provenance=item.provenance,
            note=item.text,
        )


def load_variant_policy(source: str | os.PathLike[str] | None = None) -> VariantPolicy:
    """Read ``variant_policy.toml`` (or a user's copy in the same schema)."""
    table = load_table(source, default=VARIANT_POLICY_TABLE)
    assumptions = read_assumptions(table)
    known = {a.id for a in assumptions}
    missing = sorted(set(_REQUIRED) - known)
    if missing:
        raise table.error(f"missing assumptions {missing}", "assumption")
    return VariantPolicy(
        assumptions=assumptions,
        grants=read_grants(table.tables("grant"), known),
        document=table.text("document"),
        as_of=table.text("as_of"),
        duis_version=table.text("duis_version"),
        file=table.file,
        source=table.source,
    )


@functools.cache
def variant_policy() -> VariantPolicy:
    """The bundled policy (read once)."""
    return load_variant_policy(None)


def _actor_rule(policy: VariantPolicy) -> Rule[VariantChange]:
    allowed = "; ".join(g.describe() for g in policy.grants)

    def fn(change: VariantChange) -> Verdict:
        if change.device_type is not DeviceType.ESME:
            return change.verdict(
                Outcome.NOT_APPLICABLE,
                f"a {change.device_type.value} has no ESMEVariant (see {DEVICE_TYPE_RULE})",
            )
        if change.status is None:
            return change.verdict(
                Outcome.NOT_APPLICABLE,
                "pre-notification (SR 12.2) sets the variant; it is not a correction (A125-3)",
            )
        for grant in policy.grants:
            if grant.allows(change):
                return grant.permits(change)
        return change.verdict(
            Outcome.FAIL,
            f"{change.who} may not change ESMEVariant; only {allowed} (A125-6)",
            label="not permitted",
        )

    return Rule(
        id=ACTOR_RULE,
        title="Who may correct an ESME's ESMEVariant",
        clauses=(
            policy.clause("A125-4"),
            policy.clause("A125-6"),
            policy.clause("A125-1"),
            policy.clause("A125-2"),
            cite("duis.8-4.esme-variant"),
        ),
        fn=fn,
        data_files=(data_file(policy.source, VARIANT_POLICY_TABLE),),
        text="SR 8.4 UpdateDeviceDetails may change ESMEVariant only if the sender is "
        + allowed
        + "; nobody else, in no other status or device type.",
    )


def _device_type_rule(policy: VariantPolicy) -> Rule[VariantChange]:
    def fn(change: VariantChange) -> Verdict:
        if change.device_type is DeviceType.ESME:
            return change.verdict(Outcome.PASS, "ESMEVariant is carried for an ESME")
        return change.verdict(
            Outcome.FAIL,
            f"ESMEVariant {change.variant!r} is carried for a {change.device_type.value}; "
            "only an ESME has a variant (A125-7)",
        )

    return Rule(
        id=DEVICE_TYPE_RULE,
        title="ESMEVariant only for an ESME",
        clauses=(policy.clause("A125-7"), cite("duis.12-2.esme-variant")),
        fn=fn,
        data_files=(data_file(policy.source, VARIANT_POLICY_TABLE),),
        text="A request carrying ESMEVariant for a device other than an ESME fails, whoever "
        "sends it.",
    )


def _known_rule() -> Rule[VariantChange]:
    catalogue = variant_catalogue()

    def fn(change: VariantChange) -> Verdict:
        codes = catalogue.set(change.era).codes
        if change.variant in codes:
            return change.verdict(
                Outcome.PASS, f"ESMEVariant {change.variant!r} is in the {change.era!r} set"
            )
        return change.verdict(
            Outcome.FAIL,
            f"ESMEVariant {change.variant!r} is not in the {change.era!r} set "
            f"({', '.join(codes)}; case-sensitive)",
        )

    return Rule(
        id=KNOWN_RULE,
        title="ESMEVariant in the era's whitelist",
        clauses=(cite("duis.esme-variant-enumeration"),),
        fn=fn,
        data_files=(data_file(None, "esme_variants.toml"),),
        text="The ESMEVariant sent must be one of the codes of the era's set (esme_variants.toml).",
    )


@functools.cache
def _rules(policy: VariantPolicy) -> RuleSet[VariantChange]:
    return RuleSet.of(
        "inventory.variant", [_actor_rule(policy), _device_type_rule(policy), _known_rule()]
    )


def variant_rules(policy: VariantPolicy | None = None) -> RuleSet[VariantChange]:
    """The SMI's ESMEVariant rules from ``policy`` (the bundled table by default; built once).

    Rule ids: :data:`ACTOR_RULE`, :data:`DEVICE_TYPE_RULE`, :data:`KNOWN_RULE`.
    """
    if policy is not None and not isinstance(policy, VariantPolicy):
        raise InvalidValueError(f"policy must be a VariantPolicy, not {type(policy).__name__}")
    return _rules(policy or variant_policy())


def require_variant_rules(
    rules: object, policy: VariantPolicy | None = None
) -> RuleSet[VariantChange]:
    """``rules`` checked to define the three ESMEVariant rules; None gives the SMI's own.

    A derived set (with exceptions) is fine; None gives :func:`variant_rules` of ``policy``.
    Raises InvalidValueError for anything else.
    """
    if rules is None:
        return variant_rules(policy)
    require_type(rules, "rules", (RuleSet,), "a RuleSet of ESMEVariant rules or None")
    assert isinstance(rules, RuleSet)  # noqa: S101 - require_type checked it
    missing = [r for r in (ACTOR_RULE, DEVICE_TYPE_RULE, KNOWN_RULE) if r not in rules]
    if missing:
        raise InvalidValueError(
            f"rules {rules.name!r} lack the ESMEVariant rules {', '.join(missing)}"
        )
    return rules
