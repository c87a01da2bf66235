"""A harness's conftest: the secrules plugin gives the data, this file picks what to test.

Run with the public vectors and their test PKI, for example:

    pytest --secrules-vectors=DIR --secrules-keystore=DIR/rtds/keystore

Without them, the tests that need them skip and say why.
"""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def duis_templates(secrules_vectors: Path) -> list[Path]:
    """The DUIS request templates of the vectors folder."""
    return sorted((secrules_vectors / "duis").glob("*.XML"))


@pytest.fixture(scope="session")
def signed_commands(secrules_vectors: Path) -> list[Path]:
    """Signed RTDS commands: ECS09 (adjust meter balance) success and error cases."""
    files = sorted((secrules_vectors / "rtds" / "2.5_ECS09").glob("*_COMMAND_GBCS.HEX"))
    if not files:
        pytest.skip(f"no ECS09 commands under {secrules_vectors}")
    return files
