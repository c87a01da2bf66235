"""secrules' pytest plugin: where the conformance vectors and the key store are, as fixtures.

Registered through the ``pytest11`` entry point ``secrules``, so installing secrules (with the
``pytest`` extra: ``pip install 'secrules[pytest]'``) turns it on; ``-p no:secrules`` turns it
off. Like Hypothesis's, the plugin is a small module of its own that imports secrules only when
a test asks for a fixture: pytest starts as fast with secrules installed as without, and does not
assertion-rewrite secrules (PYTEST_DONT_REWRITE: this module has no asserts). It adds:

- ``--secrules-vectors DIR`` (environment ``SECRULES_VECTORS``, ini ``secrules_vectors``): a
  folder of test vectors, given to tests as the session fixture ``secrules_vectors`` (a
  :class:`~pathlib.Path`);
- ``--secrules-keystore PATH`` (environment ``SECRULES_KEYSTORE``, ini ``secrules_keystore``): a
  key-store folder or DCC Boxed ``keystore.json``, opened once per session with
  :func:`secrules.gbcs.keystore.open_keystore` and given to tests as ``secrules_keystore``.

The command-line option wins over the environment variable, which wins over the ini value.
Relative paths count from the directory pytest was started in (from the ini file's folder for
the ini values). A fixture whose setting is missing, or names nothing, skips the test and says
why; a key store that exists but cannot be opened is an error. The assertion helpers live in
:mod:`secrules.testing` and work without this plugin.
"""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from secrules.gbcs.keystore import KeyStore

__all__ = [
    "KEYSTORE_ENV",
    "VECTORS_ENV",
    "configured_path",
    "pytest_addoption",
    "pytest_report_header",
    "secrules_keystore",
    "secrules_vectors",
]

#: The environment variable naming the vectors folder (also read by secrules' own tests).
VECTORS_ENV = "SECRULES_VECTORS"
#: The environment variable naming the key store.
KEYSTORE_ENV = "SECRULES_KEYSTORE"

_SETTINGS = {
    "vectors": ("--secrules-vectors", VECTORS_ENV, "secrules_vectors"),
    "keystore": ("--secrules-keystore", KEYSTORE_ENV, "secrules_keystore"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--secrules-vectors`` and ``--secrules-keystore`` options and their ini values."""
    group = parser.getgroup("secrules", "secrules conformance data")
    group.addoption(
        "--secrules-vectors",
        metavar="DIR",
        default=None,
        help=f"folder of test vectors for the secrules_vectors fixture (env {VECTORS_ENV})",
    )
    group.addoption(
        "--secrules-keystore",
        metavar="PATH",
        default=None,
        help=(
            "key-store folder or DCC Boxed keystore.json for the secrules_keystore fixture "
            f"(env {KEYSTORE_ENV})"
        ),
    )
    parser.addini(
        "secrules_vectors", "folder of test vectors (relative to the ini file)", default=""
    )
    parser.addini(
        "secrules_keystore",
        "key-store folder or keystore.json (relative to the ini file)",
        default="",
    )


def configured_path(config: pytest.Config, setting: str) -> tuple[Path, str] | None:
    """The path configured for ``setting`` (``"vectors"`` or ``"keystore"``) and where it came from.

    ``None`` when neither the option, the environment variable nor the ini value is set.
    """
    option, env, ini = _SETTINGS[setting]
    here = config.invocation_params.dir
    value = config.getoption(option)
    if value:
        return here / Path(str(value)).expanduser(), option
    value = os.environ.get(env)
    if value:
        return here / Path(value).expanduser(), f"${env}"
    value = config.getini(ini)
    if value:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return base / Path(str(value)).expanduser(), f"ini {ini}"
    return None


def _require(config: pytest.Config, setting: str, what: str) -> Path:
    found = configured_path(config, setting)
    option, env, ini = _SETTINGS[setting]
    if found is None:
        pytest.skip(f"no {what} configured: pass {option}, set ${env} or the {ini} ini value")
    path, source = found
    if not os.path.exists(path):  # noqa: PTH110 - a str-or-Path test, whatever the path holds
        pytest.skip(f"{what} not found at {path} (from {source})")
    return path


@pytest.fixture(scope="session")
def secrules_vectors(pytestconfig: pytest.Config) -> Path:
    """The configured test-vectors folder; skips the test when none is configured or found."""
    path = _require(pytestconfig, "vectors", "secrules vectors folder")
    if not path.is_dir():
        pytest.skip(f"secrules vectors folder {path} is not a folder")
    return path


@pytest.fixture(scope="session")
def secrules_keystore(pytestconfig: pytest.Config) -> KeyStore:
    """The configured key store, opened once per session; skips when none is configured or found.

    A key store that exists but cannot be opened fails the test with the reason.
    """
    from secrules.errors import SecrulesError  # noqa: PLC0415 - secrules only when asked for
    from secrules.gbcs.keystore import open_keystore  # noqa: PLC0415

    path = _require(pytestconfig, "keystore", "secrules key store")
    try:
        return open_keystore(path)
    except SecrulesError as exc:
        pytest.fail(f"secrules key store {path} cannot be opened: {exc}", pytrace=False)


def pytest_report_header(config: pytest.Config) -> str:
    """One header line: the secrules version and the configured vectors and key store."""
    parts = []
    for setting in _SETTINGS:
        found = configured_path(config, setting)
        parts.append(f"{setting}={found[0] if found else '(not set)'}")
    try:
        version = metadata.version("secrules")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        version = "(not installed)"
    return f"secrules {version}: {', '.join(parts)}"
