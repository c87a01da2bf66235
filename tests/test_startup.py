"""Start-up stays light: the command line loads cryptography, construct and the decoders lazily.

Not a timing test: it checks which modules a fresh interpreter has imported (``sys.modules``).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

_PROBE = """
import contextlib, io, json, sys
import secrules.cli
{action}
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("cryptography", "construct")
               or m.startswith(("secrules.gbcs.layout", "secrules.dlms", "secrules.inputs")))
print(json.dumps(heavy))
"""


def _heavy_after(action: str) -> list[str]:
    code = _PROBE.format(action=action)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    "action",
    [
        "pass",
        "secrules.cli.build_parser()",
        "with contextlib.redirect_stdout(io.StringIO()): secrules.cli.main(['proposals'])",
    ],
    ids=["import", "help", "proposals"],
)
def test_the_command_line_starts_without_the_heavy_modules(action):
    assert _heavy_after(action) == []


def test_import_secrules_is_lazy_but_complete():
    code = (
        "import sys, secrules; before = 'cryptography' in sys.modules; "
        "secrules.check; print(before, 'secrules.checking' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["False", "True"]


def _claimed_total(summary: str) -> int | None:
    """The situation count a summary states: "= 12 requests", "6 scenarios", or "a x b x c"."""
    if match := re.search(r"= (\d+) [a-z]", summary):
        return int(match[1])
    if match := re.search(r"\b(\d+) (?:scenarios|events)\b", summary):
        return int(match[1])
    factors = re.findall(r"(?:: | x )(\d+) [A-Za-z]", summary)
    return math.prod(map(int, factors)) if len(factors) > 1 else None


def _claimed_changes(summary: str) -> dict[str | None, int]:
    """The changed counts a summary states, by reading id (None: the model has no readings)."""
    found: dict[str | None, int] = {}
    if match := re.search(r"\b(\d+) changed\b", summary):
        found[None] = int(match[1])
    if match := re.search(r"changes for all (\d+)", summary):
        found[None] = int(match[1])
    for reading, count in re.findall(r"(?:\(|the )(\w+)'s: (?:no row changes|the (\d+) )", summary):
        found[reading.lower()] = int(count or 0)
    return found


def test_the_numbers_in_each_model_summary_are_the_ones_it_computes():
    """`secrules proposals` prints MODEL_SUMMARIES without building a model, so the counts
    written there are checked here against the impact each model computes."""
    import secrules
    from secrules.proposals import MODEL_SUMMARIES, MODELS

    assert set(MODEL_SUMMARIES) == set(MODELS)
    checked = 0
    for pid, summary in MODEL_SUMMARIES.items():
        total, changes = _claimed_total(summary), _claimed_changes(summary)
        if total is None and not changes:
            continue
        report = secrules.impact(pid)
        by_reading = {(b.reading.id if b.reading else None): b for b in report.by_reading}
        if total is not None:
            assert {b.total for b in report.by_reading} == {total}, (pid, summary)
        for reading, count in changes.items():
            each = by_reading[reading] if reading is not None else report
            assert each.changed_count == count, (pid, reading, summary)
        checked += 1
    # Every summary but DP131's (which states no count) states one.
    assert checked == len(MODEL_SUMMARIES) - 1


def test_proposals_stays_callable_when_a_proposal_module_is_imported_first():
    """Importing ``secrules.proposals.dp133`` first binds the subpackage over the lazy function."""
    code = (
        "import secrules.proposals.dp133, secrules\n"
        "items = secrules.proposals()\n"
        "assert [p.id for p in items][:2] == ['DP125', 'DP126'], items\n"
        "assert items is secrules.proposals.proposals()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
