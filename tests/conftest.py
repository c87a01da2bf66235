"""Shared test configuration: Hypothesis profiles and the public conformance vectors.

The vectors live in ``../shared/vectors`` beside the project root (never copied in). Set
``SECRULES_VECTORS`` to read them from elsewhere. Tests that need them skip with a clear reason
when the folder is absent.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from secrules.cli import main
from support import missing_vectors, watchdog

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
VECTORS = Path(os.environ.get("SECRULES_VECTORS", ROOT.parent / "shared" / "vectors"))

settings.register_profile("dev", max_examples=25, deadline=None)
# CI: 50 examples per property (derandomised); the codec round trips, where depth pays, ask for
# more themselves.
settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _require(path: Path, what: str) -> Path:
    if not path.is_dir():
        missing_vectors(f"{what} not found at {path} (set SECRULES_VECTORS to the shared vectors)")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The project's own fixtures folder."""
    return FIXTURES


@pytest.fixture(scope="session")
def rtds_dir() -> Path:
    """``../shared/vectors/rtds``: RTDS 4.5.0 GBCS messages, one folder per test case."""
    return _require(VECTORS / "rtds", "RTDS vectors")


@pytest.fixture(scope="session")
def rtds_files(rtds_dir: Path) -> list[Path]:
    """Every ``*_GBCS.HEX`` message under the RTDS folder, sorted."""
    files = sorted(p for p in rtds_dir.glob("*/*.HEX") if p.parent.name != "keystore")
    if not files:
        missing_vectors(f"no RTDS messages under {rtds_dir}")
    return files


@pytest.fixture(scope="session")
def keystore_dir(rtds_dir: Path) -> Path:
    """``../shared/vectors/rtds/keystore``: the published RTDS test PKI."""
    return _require(rtds_dir / "keystore", "RTDS test key store")


@pytest.fixture(scope="session")
def duis_dir() -> Path:
    """``../shared/vectors/duis``: DUIS request templates."""
    return _require(VECTORS / "duis", "DUIS templates")


@pytest.fixture(scope="session")
def gbcs_mapping_table_file() -> Path:
    """``../shared/vectors/gbcs/gbcs-mapping-table.json``: the GBCS use-case mapping table."""
    path = _require(VECTORS / "gbcs", "GBCS mapping table") / "gbcs-mapping-table.json"
    if not path.is_file():
        missing_vectors(f"GBCS mapping table not found at {path}")
    return path


def read_hex(path: Path) -> bytes:
    """The bytes of a one-line hex file (whitespace ignored)."""
    return bytes.fromhex("".join(path.read_text(encoding="ascii").split()))


@pytest.fixture(scope="session")
def hexfile():
    """``hexfile(path) -> bytes``: read a hex message file."""
    return read_hex


# --- the command line, in-process ----------------------------------------------------------------

#: Turns a hung command into a failure instead of a stuck run (no command takes near this long).
CLI_WATCHDOG_SECONDS = 60


@dataclass(frozen=True)
class CliResult:
    """What one ``secrules ARGV`` run gave: exit status and the text on stdout and stderr."""

    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys, monkeypatch) -> Callable[..., CliResult]:
    """``run_cli(*argv, stdin=b"...")``: run ``secrules ARGV`` in-process via ``cli.main``.

    Arguments may be paths; ``stdin`` (bytes) becomes standard input. ``--help`` and
    ``--version`` (argparse's own exits) give their status like any other command.
    """

    def run(*argv: object, stdin: bytes | None = None) -> CliResult:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capsys.readouterr()  # anything printed before this command is not its output
        with watchdog(CLI_WATCHDOG_SECONDS):
            try:
                code = main([os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in argv])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
