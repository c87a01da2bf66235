"""secrules.fleet.check_corpus given hostile corpora: every bad input is a counted error row.

Run on Dask's synchronous scheduler (no cluster): what is checked is the worker code path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

dask = pytest.importorskip("dask")
pytest.importorskip("pyarrow")

from secrules.fleet import FINDING_COLUMNS, check_corpus  # noqa: E402

LINES = [
    b"zz",
    b"\xff\xfe\x00garbage",
    b"DF09",
    b"AB" * 200_000,  # one huge line of hex
    b"\x00" * 64,
    b"D9" + b"00" * 10,
]


def _rows(folder: Path) -> list[dict[str, object]]:
    return [
        json.loads(line)
        for part in sorted(folder.iterdir())
        for line in part.read_text(encoding="utf-8").splitlines()
    ]


def test_hostile_lines_and_files_are_counted_errors(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_bytes(b"\n".join(LINES) + b"\n")
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "empty.hex").write_bytes(b"")
    (folder / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "dangling.hex").symlink_to(tmp_path / "missing")
    store = tmp_path / "no-keys"
    store.mkdir()
    with dask.config.set(scheduler="synchronous"):
        by_lines = check_corpus(
            lines, kind="lines", keystore=store, findings=tmp_path / "l", findings_format="jsonl"
        )
        by_files = check_corpus(
            folder, keystore=store, findings=tmp_path / "f", findings_format="jsonl"
        )
    assert by_lines.messages == by_lines.errors == len(LINES)
    assert by_lines.failed_messages == 0
    assert by_files.messages == by_files.errors == 3
    for folder_out, summary in ((tmp_path / "l", by_lines), (tmp_path / "f", by_files)):
        rows = _rows(folder_out)
        assert len(rows) == summary.messages
        for row in rows:
            assert set(row) == set(FINDING_COLUMNS)
            assert row["outcome"] is None
            assert isinstance(row["error"], str)
            assert "\n" not in row["error"]


def test_content_not_checked_for_want_of_keys_fails_the_message(tmp_path, rtds_dir):
    # Encrypted and MAC'd: with a key store lacking its keys, the rows say indeterminate (never
    # pass) for the MAC and the ciphertext, and the summary counts the message as failed.
    response = rtds_dir / "4.1.1_GCS13a" / "GCS13a_4.1.1_ERROR_RESPONSE_GBCS.HEX"
    lines = tmp_path / "lines.txt"
    lines.write_bytes(response.read_bytes().strip() + b"\n")
    store = tmp_path / "no-keys"
    store.mkdir()
    with dask.config.set(scheduler="synchronous"):
        summary = check_corpus(
            lines, kind="lines", keystore=store, findings=tmp_path / "r", findings_format="jsonl"
        )
        unkeyed = check_corpus(lines, kind="lines")
    assert summary.messages == summary.failed_messages == 1
    assert unkeyed.failed_messages == 0  # no key store: the MAC was not asked for
    outcomes = {row["rule_id"]: row["outcome"] for row in _rows(tmp_path / "r")}
    assert outcomes["gbcs.mac"] == outcomes["gbcs.decrypt"] == "indeterminate"
    assert outcomes["gbcs.content"] == "indeterminate"
    assert summary.counts["rules"]["gbcs.mac"] == {"indeterminate": 1}
