"""Helpers for the DUIS tests: read templates at test time, edit copies in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import missing_vectors

TEMPLATES = {
    "12.2": "12.2_DEVICE_PRE_NOTIFICATION_REQUEST_DUIS.XML",
    "8.4": "8.4_UPDATE_INVENTORY_REQUEST_DUIS.XML",
    "8.2": "8.2_READ_INVENTORY_REQUEST_DUIS.XML",
    "ECS37": "ECS37_6.18.1_SUCCESS_REQUEST_DUIS.XML",
}


@pytest.fixture(scope="session")
def template(duis_dir: Path):
    """``template(key) -> bytes``: a DUIS template ("12.2", "8.4", "8.2", "ECS37"), in place."""

    def read(key: str) -> bytes:
        name = TEMPLATES[key]
        path = duis_dir / name
        if not path.is_file():
            missing_vectors(f"DUIS template {name} not found in {duis_dir}")
        return path.read_bytes()

    return read


def replace_once(data: bytes, old: bytes, new: bytes) -> bytes:
    """``data`` with the single occurrence of ``old`` replaced (asserts there is exactly one)."""
    assert data.count(old) == 1, f"{old!r} occurs {data.count(old)} times"
    return data.replace(old, new)


@pytest.fixture(scope="session")
def edit():
    """``edit(data, old, new) -> bytes``: replace one exact occurrence."""
    return replace_once
