"""SEC Section G (Security): which parts bind a User, computed from its set of User Roles.

G1.7 (paraphrased, SEC Section G, stated in the SECAS paper of 28 May 2020): where a User acts
only in the User Role of Export Supplier and/or Registered Supplier Agent, the obligations of
Section G apply to it only as far as the provisions listed in G1.7. The list before MP133 did not
include the Shared Resources provisions (G10); MP133 (DP133) added them (inferred from its title
and problem statement).

The parts, whom they bind and the G1.7 list are data (``data/section_g.toml``); pass ``table=``
to use your own copy.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.proposals import Assumption, read_assumptions
from secrules.core.regimes import Regime, check_regime
from secrules.errors import InvalidValueError
from secrules.sec.roles import UserRole, parse_roles

__all__ = [
    "ES_RSA",
    "Part",
    "SectionG",
    "applicable_parts",
    "load_section_g",
]

#: The roles G1.7 singles out.
ES_RSA = frozenset({UserRole.EXPORT_SUPPLIER, UserRole.REGISTERED_SUPPLIER_AGENT})
_BODIES = frozenset({"DCC", "SSC", "Panel"})
_ROLE_CODES = frozenset(r.code for r in UserRole)


@attrs.frozen
class Part:
    """One part of Section G (``G1`` ... ``G10``) and whom it binds."""

    id: str
    heading: str
    binds: frozenset[str]
    provenance: Provenance
    source: str
    sec_version: str

    @property
    def binds_all_users(self) -> bool:
        """True when the part binds every one of the seven User Roles (subject to G1.7)."""
        return self.binds >= _ROLE_CODES


@attrs.frozen
class SectionG:
    """Section G as loaded from a table: its parts and the G1.7 list per regime.

    The parts are indexed by id once, when the table is built, so every query is linear in
    the table at most once per table (never per scenario).
    """

    document: str
    sec_version: str
    parts: tuple[Part, ...]
    g1_7: Mapping[Regime, frozenset[str]]
    g1_7_provenance: Mapping[Regime, Provenance]
    g1_7_source: Mapping[Regime, str]
    g1_7_version: Mapping[Regime, str]
    source_file: str
    assumptions: tuple[Assumption, ...] = ()
    #: The table file and its SHA-256 (None for a SectionG built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)
    _by_id: Mapping[str, Part] = attrs.field(init=False, eq=False, repr=False)
    _part_ids: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    _user_parts: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {p.id: p for p in self.parts})
        object.__setattr__(self, "_part_ids", tuple(p.id for p in self.parts))
        object.__setattr__(
            self, "_user_parts", frozenset(p.id for p in self.parts if p.binds_all_users)
        )

    @property
    def part_ids(self) -> tuple[str, ...]:
        """Every part id, in table order."""
        return self._part_ids

    @property
    def user_parts(self) -> frozenset[str]:
        """The parts that bind all seven User Roles (A133-2: G3, G4, G5, G6, G8, G10)."""
        return self._user_parts

    @property
    def g1_7_added(self) -> frozenset[str]:
        """The parts the proposed G1.7 list adds to the baseline list (A133-4: G10)."""
        return self.g1_7["proposed"] - self.g1_7["baseline"]

    def part(self, part_id: str) -> Part:
        """The part ``part_id``; InvalidValueError if the table has no such part."""
        found = self._by_id.get(part_id)
        if found is None:
            shown = ", ".join(self._part_ids[:20]) + (", ..." if len(self._part_ids) > 20 else "")
            raise InvalidValueError(f"Section G has no part {part_id!r}; parts are {shown}")
        return found

    def clause(
        self, clause: str, provenance: Provenance, *, version: str | None = None, note: str = ""
    ) -> ClauseRef:
        """A reference to ``clause`` of this document (at this table's SEC version by default)."""
        return ClauseRef(self.document, clause, version or self.sec_version, provenance, note)

    def with_g1_7_baseline(self, parts: Iterable[str]) -> SectionG:
        """A copy whose baseline G1.7 list is ``parts`` (the proposed list keeps its additions).

        Used to show that DP133's impact does not depend on the A133-3 placeholder.
        """
        baseline = frozenset(parts)
        unknown = baseline - self._by_id.keys()
        if unknown:
            raise InvalidValueError(f"unknown Section G parts {sorted(unknown)}")
        added = self.g1_7_added
        return attrs.evolve(self, g1_7={"baseline": baseline, "proposed": baseline | added})

    def applicable_parts(
        self, roles: Iterable[UserRole | str], regime: Regime | str
    ) -> frozenset[str]:
        """The parts that bind a User holding ``roles`` under ``regime``.

        - No roles: not a User; nothing applies (A133-6).
        - Roles all within {ES, RSA}: the G1.7 list for the regime, within the user parts (G1.7).
        - Any other role set: every user part (A133-5).
        """
        role_set = parse_roles(roles)
        chosen = check_regime(regime)
        if not role_set:
            return frozenset()
        if role_set <= ES_RSA:
            return self.g1_7[chosen] & self.user_parts
        return self.user_parts


def _load(table: TableReader) -> SectionG:
    parts: list[Part] = []
    seen: set[str] = set()
    for row in table.tables("part"):
        part_id = row.text("id")
        if part_id in seen:
            raise row.error(f"duplicate part id {part_id!r}", "id")
        seen.add(part_id)
        binds = row.texts("binds")
        for i, who in enumerate(binds):
            if who not in _ROLE_CODES and who not in _BODIES:
                raise row.error(
                    f"{who!r} is neither a User Role code nor one of {sorted(_BODIES)}",
                    f"binds[{i}]",
                )
        parts.append(
            Part(
                id=part_id,
                heading=row.text("heading"),
                binds=frozenset(binds),
                provenance=row.provenance(),
                source=row.text("source"),
                sec_version=row.text("sec_version"),
            )
        )
    g17 = table.table("g1_7")
    roles = g17.texts("roles", allow_empty=False)
    if frozenset(roles) != {r.code for r in ES_RSA}:
        raise g17.error("the G1.7 roles must be exactly ES and RSA", "roles")
    base = g17.table("baseline")
    prop = g17.table("proposed")
    baseline = frozenset(base.texts("parts"))
    added = frozenset(prop.texts("add", allow_empty=False))
    for reader, key, ids in ((base, "parts", baseline), (prop, "add", added)):
        unknown = sorted(ids - seen)
        if unknown:
            raise reader.error(f"unknown Section G parts {unknown}", key)
    return SectionG(
        document=table.text("document"),
        sec_version=table.text("sec_version"),
        parts=tuple(parts),
        g1_7={"baseline": baseline, "proposed": baseline | added},
        g1_7_provenance={"baseline": base.provenance(), "proposed": prop.provenance()},
        g1_7_source={"baseline": base.text("source"), "proposed": prop.text("source")},
        g1_7_version={
            "baseline": base.text("sec_version"),
            "proposed": prop.text("sec_version"),
        },
        source_file=table.file,
        assumptions=read_assumptions(table, allow_empty=True),
        source=table.source,
    )


@functools.cache
def _bundled() -> SectionG:
    return _load(load_table(None, default="section_g.toml"))


def load_section_g(path: str | os.PathLike[str] | None = None) -> SectionG:
    """Section G from ``path``, or the bundled table (cached) when ``path`` is None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    if path is None:
        return _bundled()
    return _load(load_table(path, default="section_g.toml"))


def applicable_parts(
    roles: Iterable[UserRole | str],
    regime: Regime | str,
    *,
    table: SectionG | None = None,
) -> frozenset[str]:
    """The Section G parts binding a User with ``roles`` under ``regime`` (see SectionG)."""
    return (table or load_section_g()).applicable_parts(roles, regime)
