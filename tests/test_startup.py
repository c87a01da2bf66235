"""Start-up stays light: the command line loads cryptography, construct and the decoders lazily.

Not a timing test: it checks which modules a fresh interpreter has imported (``sys.modules``).
"""

from __future__ import annotations

import json
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


def test_model_summaries_are_the_models_own():
    from secrules.proposals import MODEL_SUMMARIES, MODELS

    assert {pid: factory().summary for pid, factory in MODELS.items()} == dict(MODEL_SUMMARIES)
