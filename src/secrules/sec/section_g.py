"""SEC Section G (Security) as it stood on 28 May 2020: which parts bind a User, by its roles.

Two labelled rules over a :class:`Subject` (a User's roles and one part), in Catala's manner:

- ``sec.g.user-parts`` (base rule): a User is bound by every part of Section G that binds the
  User Roles (SEC Section G, part level).
- ``sec.g1-7.es-rsa-limit`` (exception to it, G1.7, stated in the SECAS paper of 28 May 2020):
  a User acting only as Export Supplier and/or Registered Supplier Agent is bound by Section G
  only as far as the provisions G1.7 lists.

:func:`rules` builds them from a :class:`SectionG`; :func:`applicable_parts` decides them part by
part, so there is one logic. The parts, whom they bind and the G1.7 list of that date are data
(``data/section_g.toml``, which records the SEC version it was read against); pass
``section_g=`` to use your own copy, and ``rules=`` for a rule set derived from these.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, bundled_once, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import WORST, Rule, RuleSet, decide
from secrules.core.sources import data_file
from secrules.core.validation import require_type
from secrules.errors import InvalidValueError
from secrules.sec.roles import UserRole, parse_roles

__all__ = [
    "ES_RSA",
    "ES_RSA_LIMIT",
    "USER_PARTS",
    "G17List",
    "Part",
    "SectionG",
    "Subject",
    "applicable_parts",
    "g1_7_exception",
    "listing",
    "load_section_g",
    "rules",
    "user_parts_rule",
]

#: The roles G1.7 singles out.
ES_RSA = frozenset({UserRole.EXPORT_SUPPLIER, UserRole.REGISTERED_SUPPLIER_AGENT})
_BODIES = frozenset({"DCC", "SSC", "Panel"})
_ROLE_CODES = frozenset(r.code for r in UserRole)
#: Rule ids (one hop from this module).
USER_PARTS = "sec.g.user-parts"
ES_RSA_LIMIT = "sec.g1-7.es-rsa-limit"


@attrs.frozen
class Part:
    """One part of Section G (``G1`` ... ``G10``) and whom it binds."""

    id: str
    heading: str
    binds: frozenset[str]
    #: How ``binds`` (whom the part binds) is known; the row's ``provenance`` key.
    provenance: Provenance
    source: str
    sec_version: str
    #: How ``heading`` is known (``heading_provenance``; the row's ``provenance`` when absent).
    heading_provenance: Provenance | None = None

    @property
    def binds_all_users(self) -> bool:
        """True when the part binds every one of the seven User Roles (subject to G1.7)."""
        return self.binds >= _ROLE_CODES


@attrs.frozen
class G17List:
    """The G1.7 list: the parts that bind a User acting only as ES and/or RSA (G1.7)."""

    parts: frozenset[str]
    #: What the list is, as a clause name (``G1.7 list (part level)``).
    clause: str
    sec_version: str
    provenance: Provenance
    source: str


@attrs.frozen
class Subject:
    """A User (its set of roles) and one part of Section G."""

    roles: frozenset[UserRole]
    part: str


@attrs.frozen
class SectionG:
    """Section G as loaded from a table: its parts and its G1.7 list, at one date.

    The parts are indexed by id once, when the table is built, so every query is linear in
    the table at most once per table (never per subject).
    """

    document: str
    #: The date the table describes (``2020-05-28``).
    as_at: str
    sec_version: str
    parts: tuple[Part, ...]
    g1_7: G17List
    source_file: str
    #: The table file and its SHA-256 (None for a SectionG built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)
    _by_id: dict[str, Part] = attrs.field(init=False, eq=False, repr=False)
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
        """The parts that bind all seven User Roles (G3, G4, G5, G6, G8, G10 in the bundle)."""
        return self._user_parts

    def part(self, part_id: str) -> Part:
        """The part ``part_id``; InvalidValueError if the table has no such part."""
        found = self._by_id.get(part_id)
        if found is None:
            shown = ", ".join(self._part_ids[:20]) + (", ..." if len(self._part_ids) > 20 else "")
            raise InvalidValueError(f"Section G has no part {part_id!r}; parts are {shown}")
        return found

    def unknown(self, part_ids: Iterable[str]) -> list[str]:
        """The ids among ``part_ids`` that are not parts of this table, sorted."""
        return sorted(set(part_ids) - self._by_id.keys())

    def with_g1_7(
        self,
        parts: Iterable[str],
        *,
        clause: str | None = None,
        sec_version: str | None = None,
        provenance: Provenance | None = None,
        source: str | None = None,
    ) -> SectionG:
        """A copy whose G1.7 list is ``parts`` (other details of the list kept unless given).

        Used to amend the list (a proposal's change) and to show that an impact does not
        depend on the placeholder list. Unknown parts raise InvalidValueError.
        """
        listed = frozenset(parts)
        unknown = self.unknown(listed)
        if unknown:
            raise InvalidValueError(f"unknown Section G parts {unknown}")
        old = self.g1_7
        return attrs.evolve(
            self,
            g1_7=G17List(
                parts=listed,
                clause=old.clause if clause is None else clause,
                sec_version=old.sec_version if sec_version is None else sec_version,
                provenance=old.provenance if provenance is None else provenance,
                source=old.source if source is None else source,
            ),
        )


def _verdict(binds: bool, why: str) -> Verdict:  # noqa: FBT001 - a verdict from a predicate
    return Verdict(Outcome.PASS if binds else Outcome.NOT_APPLICABLE, why)


@functools.lru_cache(maxsize=256)
def _codes(roles: frozenset[UserRole]) -> str:
    return ", ".join(sorted(r.code for r in roles)) or "no role"


def listing(ids: Iterable[str], limit: int = 12) -> str:
    """``G3, G5, G6 and G8``; a long list is cut after ``limit`` ids (its length is stated)."""
    items = list(ids)
    if not items:
        return "no part"
    if len(items) > limit:
        return f"{len(items)} parts ({', '.join(items[:limit])}, ...)"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def user_parts_rule(section_g: SectionG) -> Rule[Subject]:
    """``sec.g.user-parts``: Section G binds a User by every part that binds User Roles.

    The clause is built from the table: its first to last part, at its SEC version, with the
    weakest provenance of its part rows.
    """
    user_parts = section_g.user_parts  # computed once per table, not per subject
    ids = section_g.part_ids
    span = ids[0] if len(ids) == 1 else f"{ids[0]} to {ids[-1]}"
    clause = ClauseRef(
        section_g.document,
        f"{span} (part level)",
        section_g.sec_version,
        Provenance.weakest(p.provenance for p in section_g.parts),
        note="whom each part binds: the binds of its [[part]] row",
    )

    def fn(subject: Subject) -> Verdict:
        if not subject.roles:
            return _verdict(False, "no User Role: not a User, so no part binds it")  # noqa: FBT003
        binds = subject.part in user_parts
        return _verdict(
            binds,
            f"{subject.part} {'binds' if binds else 'does not bind'} User Roles"
            f" ({_codes(subject.roles)})",
        )

    return Rule(
        id=USER_PARTS,
        title="Section G binds a User by every part that binds User Roles",
        clauses=(clause,),
        fn=fn,
        data_files=(data_file(section_g.source, "section_g.toml"),),
        text="Each part of Section G binds the parties it names; a User is bound by the parts"
        " that bind the User Roles.",
    )


def _es_rsa_only(subject: Subject) -> bool:
    return bool(subject.roles) and subject.roles <= ES_RSA


def g1_7_exception(section_g: SectionG) -> Rule[Subject]:
    """``sec.g1-7.es-rsa-limit`` (G1.7): an ES/RSA-only User is bound only by the G1.7 list.

    An exception to ``sec.g.user-parts`` applying when every role lies in {ES, RSA}. It cites
    G1.7 (registered clause ``sec.g1-7``) and the list of ``section_g``'s ``[g1_7]`` row.
    """
    g17 = section_g.g1_7
    listed = g17.parts & section_g.user_parts
    shown = listing(p for p in section_g.part_ids if p in listed)
    the_list = ClauseRef(
        section_g.document, g17.clause, g17.sec_version, g17.provenance, note=g17.source
    )

    def fn(subject: Subject) -> Verdict:
        inside = subject.part in listed
        return _verdict(
            inside,
            f"a User acting only as {_codes(subject.roles)} is bound by {subject.part}"
            f" only if G1.7 lists it; {g17.clause}: {shown}",
        )

    return Rule(
        id=ES_RSA_LIMIT,
        title="A User acting only as Export Supplier and/or RSA is bound only by the G1.7 list",
        clauses=(cite("sec.g1-7"), the_list),
        fn=fn,
        data_files=(data_file(section_g.source, "section_g.toml"),),
        text=(
            "Where a User acts only in the User Role of Export Supplier and/or Registered"
            " Supplier Agent, Section G applies to it only as far as the provisions G1.7 lists."
        ),
        exception_to=USER_PARTS,
        when=_es_rsa_only,
    )


def _build_rules(section_g: SectionG) -> RuleSet[Subject]:
    return RuleSet.of(
        f"{section_g.document} as at {section_g.as_at}",
        [user_parts_rule(section_g), g1_7_exception(section_g)],
    )


@functools.cache
def _bundled_rules() -> RuleSet[Subject]:
    return _build_rules(load_section_g())


def rules(section_g: SectionG | None = None) -> RuleSet[Subject]:
    """Section G's rules: ``sec.g.user-parts`` and its G1.7 exception ``sec.g1-7.es-rsa-limit``.

    Built from ``section_g`` (the bundled table when None; that rule set is built once).
    """
    if section_g is not None:
        require_type(section_g, "section_g", (SectionG,), "a SectionG (see load_section_g)")
    return _rules_of(section_g or load_section_g())


def _rules_of(section_g: SectionG) -> RuleSet[Subject]:
    return _bundled_rules() if section_g is load_section_g() else _build_rules(section_g)


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
                heading_provenance=row.provenance("heading_provenance")
                if "heading_provenance" in row
                else None,
            )
        )
    g17 = table.table("g1_7")
    for old in ("baseline", "proposed"):
        if old in g17:
            raise g17.error(
                "a Section G table holds one G1.7 list, as g1_7.parts (the [g1_7.baseline] and"
                " [g1_7.proposed] sections are the old schema; MP133's addition is in dp133.toml)",
                old,
            )
    roles = g17.texts("roles", allow_empty=False)
    if frozenset(roles) != {r.code for r in ES_RSA}:
        raise g17.error("the G1.7 roles must be exactly ES and RSA", "roles")
    listed = frozenset(g17.texts("parts"))
    unknown = sorted(listed - seen)
    if unknown:
        raise g17.error(f"unknown Section G parts {unknown}", "parts")
    return SectionG(
        document=table.text("document"),
        as_at=table.text("as_at"),
        sec_version=table.text("sec_version"),
        parts=tuple(parts),
        g1_7=G17List(
            parts=listed,
            clause=g17.text("clause"),
            sec_version=g17.text("sec_version"),
            provenance=g17.provenance(),
            source=g17.text("source"),
        ),
        source_file=table.file,
        source=table.source,
    )


@bundled_once
def load_section_g(path: str | os.PathLike[str] | None = None) -> SectionG:
    """Section G from ``path``, or the bundled table (cached) when ``path`` is None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    return _load(load_table(path, default="section_g.toml"))


def applicable_parts(
    roles: Iterable[UserRole | str],
    *,
    section_g: SectionG | None = None,
    rules: RuleSet[Subject] | None = None,
) -> frozenset[str]:
    """The parts of ``section_g`` (bundled when None) that bind a User holding ``roles``.

    Decides the rules (:func:`rules` of ``section_g`` by default; pass ``rules=`` for a rule
    set derived from them) for each part: a part binds when the verdict is PASS.

    - No roles: not a User; nothing applies.
    - Roles all within {ES, RSA}: the G1.7 list, within the user parts (G1.7).
    - Any other role set: every user part.
    """
    if section_g is not None:
        require_type(section_g, "section_g", (SectionG,), "a SectionG (see load_section_g)")
    if rules is not None:
        require_type(rules, "rules", (RuleSet,), "a RuleSet of Section G rules")
    role_set = parse_roles(roles)
    table = section_g or load_section_g()
    ruleset = rules if rules is not None else _rules_of(table)
    return frozenset(
        part
        for part in table.part_ids
        if decide(ruleset, Subject(role_set, part), WORST).outcome is Outcome.PASS
    )
