from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _run(args, *, stdin: bytes | None = None, cwd: Path | None = None, script: bool = False):
    exe = [shutil.which("secrules")] if script else [sys.executable, "-m", "secrules"]
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run(
        [*exe, *map(str, args)],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def cli():
    """Run ``python -m secrules ARGS``; returns the CompletedProcess (bytes)."""
    return _run


@pytest.fixture(scope="session")
def cli_script():
    """Run the installed ``secrules`` console script."""
    if shutil.which("secrules") is None:
        pytest.skip("the secrules console script is not on PATH (package not installed)")
    return lambda args, **kw: _run(args, script=True, **kw)
