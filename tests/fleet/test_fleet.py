"""secrules.fleet.check_corpus on a distributed.LocalCluster: the same counts as the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from secrules.errors import DataFileError, InvalidValueError, RegimeError  # noqa: E402
from secrules.fleet import FINDING_COLUMNS, check_corpus  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture
def corpus(tmp_path, rtds_files):
    root = tmp_path / "corpus"
    root.mkdir()
    for path in rtds_files[:30]:
        shutil.copy(path, root / path.name)
    (root / "zz_broken.hex").write_text("DF09", encoding="ascii")
    return root


def _cli_summary(run_cli, *argv, stdin=None):
    out = run_cli("check", "--format", "jsonl", *argv, stdin=stdin).out
    return json.loads(out.splitlines()[-1])["summary"]


def test_files_give_the_cli_counts(client, corpus, run_cli, keystore_dir, tmp_path):
    expected = _cli_summary(run_cli, corpus, "--keystore", keystore_dir)
    found = check_corpus(
        corpus,
        client=client,
        keystore=keystore_dir,
        partition_size=7,
        findings=tmp_path / "findings",
    )
    assert found.counts == expected
    table = pq.read_table(tmp_path / "findings")
    assert tuple(table.column_names) == FINDING_COLUMNS
    assert table.num_rows == sum(expected["outcomes"].values()) + expected["errors"]


def test_lines_and_parquet_give_the_cli_counts(client, corpus, run_cli, tmp_path):
    hexes = sorted(p.read_text(encoding="ascii").strip() for p in corpus.iterdir())
    lines = tmp_path / "messages.txt"
    lines.write_text("\n".join(hexes) + "\n", encoding="ascii")
    expected = _cli_summary(run_cli, "-", stdin=lines.read_bytes())
    by_lines = check_corpus(
        lines, kind="lines", client=client, findings=tmp_path / "rows", findings_format="jsonl"
    )
    assert by_lines.counts == expected
    rows = [
        json.loads(x) for f in (tmp_path / "rows").iterdir() for x in f.read_text().splitlines()
    ]
    assert len(rows) == sum(expected["outcomes"].values()) + expected["errors"]
    table = tmp_path / "messages.parquet"
    pq.write_table(pa.table({"message": hexes, "id": [f"m{i}" for i in range(len(hexes))]}), table)
    by_column = check_corpus(table, kind="parquet", name_column="id", client=client)
    assert by_column.counts == expected


@pytest.mark.parametrize("corpus", [b"x", 3, [], [None], ["a", b"b"], ""])
def test_a_corpus_that_is_not_paths_is_refused(corpus):
    with pytest.raises(InvalidValueError, match="corpus"):
        check_corpus(corpus)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("kind", "csv"),
        ("findings_format", "csv"),
        ("partition_size", 0),
        ("partition_size", "2000"),
        ("partition_size", 1.5),
        ("partition_size", True),
        ("regime", "sideways"),
        ("regime", 3),
        ("era", 2020),
        ("default_configuration", "yes"),
        ("at", dt.datetime(2025, 6, 1)),  # noqa: DTZ001 - naive on purpose: refused
        ("at", "2025-06-01T12:00:00Z"),
        ("acb", "90B3D51F30000002"),
    ],
)
def test_bad_options_are_refused(argument, value, tmp_path):
    # Up front, before any task runs: not one error per input.
    expected = RegimeError if argument == "regime" else InvalidValueError
    with pytest.raises(expected, match=argument):
        check_corpus(tmp_path, **{argument: value})


def test_findings_onto_a_file_is_refused(tmp_path):
    report = tmp_path / "findings.parquet"
    report.write_bytes(b"not a folder")
    with pytest.raises(DataFileError, match="findings must be a folder"):
        check_corpus(tmp_path / "missing.hex", findings=report)
    assert report.read_bytes() == b"not a folder"


def test_a_parquet_corpus_that_does_not_read_is_one_error(tmp_path):
    (tmp_path / "part.parquet").write_bytes(b"PAR1 not parquet")
    with pytest.raises(DataFileError, match="cannot read the Parquet corpus"):
        check_corpus(tmp_path, kind="parquet")


def test_lines_mode_counts_a_missing_file_and_an_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    found = check_corpus([tmp_path / "missing.txt", tmp_path / "empty"], kind="lines")
    assert (found.messages, found.errors) == (2, 2)


def test_unreadable_inputs_are_counted_not_raised(tmp_path):
    found = check_corpus([tmp_path / "missing.hex"])  # Dask's local scheduler, no cluster
    assert found.errors == 1
