"""DP133 on a large user Section G table costs time linear in the table (issue 8, item 13).

Before the fix every scenario recomputed the user parts from every part, so ``impact DP133
--table`` on 1,000 parts took 38 s (quadratic). These tests count work instead of timing it:
the Python calls (profile events) to evaluate a fixed sample of scenarios must not grow with the
table, building the model must grow linearly, and no finding may carry a message that grows
with the table. A generous wall-clock limit on a full 1,000-part impact is only a safety net.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import pytest

import secrules
from secrules.core.impact import compute_impact
from secrules.core.proposals import Scenario
from secrules.proposals.dp133 import Dp133Model
from secrules.sec import UserRole
from secrules.sec.section_g import Part, Subject, load_section_g

_ALL = '["IS", "ES", "GS", "ED", "GT", "RSA", "OU"]'
_DCC = '["DCC"]'


def section_g_table(parts: int) -> str:
    """A Section G table of ``parts`` parts; two in three bind every User Role.

    The G1.7 list holds half the parts (all but G10, which MP133 adds), so per-scenario work
    proportional to the list would show too.
    """
    out = [
        'document = "SEC Section G"',
        'as_at = "2020-05-28"',
        'sec_version = "generated"',
    ]
    for i in range(1, parts + 1):
        out += [
            "[[part]]",
            f'id = "G{i}"',
            f'heading = "generated part {i}"',
            f"binds = {_ALL if i % 3 else _DCC}",
            'provenance = "assumed"',
            'source = "generated"',
            'sec_version = "generated"',
        ]
    listed = ", ".join(f'"G{i}"' for i in range(1, parts // 2 + 1) if i != 10)
    out += [
        "[g1_7]",
        'roles = ["ES", "RSA"]',
        'clause = "G1.7 list (generated)"',
        f"parts = [{listed}]",
        'sec_version = "generated"',
        'provenance = "assumed"',
        'source = "generated"',
    ]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("section_g")
    out = {}
    for parts in (1000, 2000):
        path = folder / f"section_g_{parts}.toml"
        path.write_text(section_g_table(parts), encoding="utf-8")
        out[parts] = path
    return out


def events(fn: Callable[[], object]) -> int:
    """The number of profile events (Python and C calls and returns) while ``fn`` runs."""
    count = 0

    def profile(_frame: object, _event: str, _arg: object) -> None:
        nonlocal count
        count += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count


def _sample(model: Dp133Model) -> list[Scenario]:
    """97 scenarios spread over the role sets and the parts, without building all of them."""
    parts = model.section_g.part_ids
    role_sets = [
        frozenset(combo)
        for size in range(1, len(UserRole) + 1)
        for combo in combinations(UserRole, size)
    ]
    out = []
    for i in range(97):
        roles = role_sets[(i * 37) % len(role_sets)]
        part = parts[(i * len(parts)) // 97 if i else -1]
        codes = sorted(r.code for r in roles)
        out.append(Scenario({"roles": codes, "part": part}, subject=Subject(roles, part)))
    return out


def test_per_scenario_work_does_not_grow_with_the_table(tables: dict[int, Path]):
    per_scenario = {}
    for parts, path in tables.items():
        model = Dp133Model(load_section_g(path))
        sample = _sample(model)
        assert len(sample) == 97

        def run(model: Dp133Model = model, sample: list[Scenario] = sample) -> None:
            for scenario in sample:
                model.evaluate(scenario, "baseline")
                model.evaluate(scenario, "proposed")
                model.in_scope(scenario)

        per_scenario[parts] = events(run) / len(sample)
    # Linear total cost: constant work per scenario, whatever the number of parts.
    assert per_scenario[2000] <= per_scenario[1000] * 1.05 + 5, per_scenario


def test_building_the_model_is_linear(tables: dict[int, Path]):
    counted = {}
    for parts, path in tables.items():
        section_g = load_section_g(path)

        def build(section_g: object = section_g) -> None:
            model = Dp133Model(section_g)  # type: ignore[arg-type]
            model.assumptions()

        counted[parts] = events(build)
    assert counted[2000] <= counted[1000] * 2.3, counted


def test_user_parts_computed_once_per_table(tables: dict[int, Path], monkeypatch):
    calls = 0
    real = Part.binds_all_users.fget
    assert real is not None

    def counting(self: Part) -> bool:
        nonlocal calls
        calls += 1
        return real(self)

    monkeypatch.setattr(Part, "binds_all_users", property(counting))
    model = Dp133Model(load_section_g(tables[1000]))
    after_load = calls
    assert after_load <= 2 * 1000
    for scenario in _sample(model):
        model.evaluate(scenario, "baseline")
        model.evaluate(scenario, "proposed")
    assert calls == after_load  # no scenario walks the parts


def test_full_impact_on_a_large_table(tmp_path: Path):
    # 301 parts (38,227 rows): large enough that a message listing the G1.7 list (150 parts)
    # would exceed the 400-character bound; the linear cost is shown by the event counts above.
    parts = 301
    path = tmp_path / "section_g.toml"
    path.write_text(section_g_table(parts), encoding="utf-8")
    model = Dp133Model(load_section_g(path))
    start = time.perf_counter()
    report = compute_impact(secrules.get_proposal("DP133"), model)
    elapsed = time.perf_counter() - start
    assert report.total == 127 * parts
    # ES/RSA-only users (3 role sets) change only for the part MP133 adds (G10).
    assert report.changed_count == 3
    assert report.out_of_scope_changes == ()
    longest = max(len(f.message) for row in report.rows for f in (row.baseline, row.proposed))
    assert longest < 400  # no message lists the whole table
    assert elapsed < 300, "safety net only: 10x a generous 30 s target"
