"""``secrules check`` as a stream: folders, stdin lines, jsonl, the summary line, -j, errors."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secrules.batch import CheckContext as Context
from secrules.batch import (
    CheckOptions,
    Source,
    Summary,
    check_source,
    check_sources,
    iter_sources,
)


@pytest.fixture
def corpus(tmp_path, rtds_files):
    """Twelve RTDS messages in nested folders, and one file that is not a message."""
    root = tmp_path / "corpus"
    for i, path in enumerate(rtds_files[:12]):
        folder = root / f"d{i % 3}" / ("deep" if i % 2 else "")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, folder / path.name)
    (root / "d1" / "broken.hex").write_text("DF09", encoding="ascii")
    return root


def _lines(text):
    return [json.loads(line) for line in text.splitlines()]


def test_folder_is_read_recursively_in_sorted_order(corpus):
    (corpus / ".report.txt.1a2b.tmp").write_text("an output being written", encoding="ascii")
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD").write_text("ref", encoding="ascii")
    names = [s.name for s in iter_sources([str(corpus)])]
    assert len(names) == 13  # hidden names are not inputs
    assert names == sorted(names, key=lambda n: n.split("/"))


def test_jsonl_one_line_per_input_then_the_summary(run_cli, corpus):
    proc = run_cli("check", "--format", "jsonl", corpus)
    rows = _lines(proc.out)
    assert proc.code == 2  # one input could not be decoded: named, and the batch went on
    assert len(rows) == 14
    summary = rows[-1]["summary"]
    assert summary["messages"] == 13
    assert summary["errors"] == 1
    assert summary["checked"] == 12
    errors = [r for r in rows[:-1] if "error" in r]
    assert [e["file"].rsplit("/", 1)[1] for e in errors] == ["broken.hex"]
    assert "broken.hex" in proc.err
    findings = [f for r in rows[:-1] if "findings" in r for f in r["findings"]]
    assert sum(summary["outcomes"].values()) == len(findings)
    assert sum(summary["message_codes"].values()) == 12
    by_rule = {}
    for f in findings:
        by_rule.setdefault(f["rule_id"], {}).setdefault(f["outcome"], 0)
        by_rule[f["rule_id"]][f["outcome"]] += 1
    assert summary["rules"] == by_rule


def test_json_document_streams_the_same_files(run_cli, corpus):
    whole = json.loads(run_cli("check", "--format", "json", corpus).out)
    rows = _lines(run_cli("check", "--format", "jsonl", corpus).out)[:-1]
    assert [f["file"] for f in whole["files"]] == [r["file"] for r in rows if "findings" in r]
    assert whole["errors"] == [r for r in rows if "error" in r]
    assert whole["failed"] == sum(r["failed"] for r in rows if "findings" in r)


def test_stdin_is_one_message_per_line(run_cli, rtds_files, hexfile):
    messages = [hexfile(p).hex() for p in rtds_files[:3]]
    stdin = ("\n".join(messages[:2]) + "\n\n" + messages[2] + "\nnot hex\n").encode()
    proc = run_cli("check", "--format", "jsonl", "-", stdin=stdin)
    rows = _lines(proc.out)
    assert [r["file"] for r in rows[:-1]] == ["-:1", "-:2", "-:4", "-:5"]
    assert "error" in rows[3]
    assert rows[-1]["summary"]["messages"] == 4


def test_xml_on_stdin_is_one_input(run_cli, duis_dir):
    xml = (duis_dir / "8.2_READ_INVENTORY_REQUEST_DUIS.XML").read_bytes()
    rows = _lines(run_cli("check", "--format", "jsonl", "-", stdin=xml).out)
    assert [r["file"] for r in rows[:-1]] == ["-"]


def test_jobs_two_gives_the_same_output_in_input_order(run_cli, rtds_files, tmp_path):
    # Enough inputs for the pool to start (fewer are checked in-process).
    lines = "\n".join(p.read_text(encoding="ascii").strip() for p in rtds_files[:40])
    corpus = tmp_path / "lines.txt"
    text = "\n".join([lines] * 7) + "\n"
    one = run_cli("check", "--format", "jsonl", "-j", "1", "-", stdin=text.encode())
    two = run_cli("check", "--format", "jsonl", "-j", "2", "-", stdin=text.encode())
    assert one.code == two.code
    assert one.out == two.out
    assert len(one.out.splitlines()) == 281
    del corpus


def test_jobs_must_be_positive(run_cli, rtds_files):
    proc = run_cli("check", "-j", "0", rtds_files[0])
    assert proc.code == 2
    assert proc.err.startswith("secrules: check: -j/--jobs")


def test_text_output_to_a_file_is_written_whole(run_cli, corpus, tmp_path):
    out = tmp_path / "report.txt"
    proc = run_cli("check", "-o", out, corpus)
    assert proc.out == ""
    assert out.read_text(encoding="utf-8").count("finding") >= 12
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@st.composite
def batches(draw):
    """A stream of stdin lines: RTDS messages (by index), blank lines and garbage."""
    return draw(
        st.lists(
            st.one_of(st.integers(0, 5), st.just(""), st.sampled_from(["zz", "DF", "00"])),
            max_size=12,
        )
    )


@settings(max_examples=15, deadline=None)
@given(batch=batches())
def test_summary_adds_up_whatever_the_stream(batch, rtds_messages_hex):
    lines = [rtds_messages_hex[x] if isinstance(x, int) else x for x in batch]
    stdin = io.BytesIO(("\n".join(lines) + "\n").encode())
    results = list(check_sources(iter_sources(["-"], stdin=stdin), CheckOptions(fmt="jsonl")))
    summary = Summary()
    for result in results:
        summary.add(result)
    # Standard input with no message at all is one (empty) input, an error.
    assert summary.messages == max(1, sum(1 for line in lines if line.strip()))
    assert summary.errors == sum(1 for r in results if r.error is not None)
    codes = sum(summary.message_codes.values())
    assert codes == sum(1 for r in results if r.message_code is not None)


@pytest.fixture(scope="module")
def rtds_messages_hex(request):
    rtds = request.getfixturevalue("rtds_files")
    return [p.read_text(encoding="ascii").strip() for p in rtds[:6]]


def test_check_source_names_an_unreadable_file(tmp_path):
    missing = tmp_path / "nope.hex"
    result = check_source(Source(str(missing), path=str(missing)), Context(), CheckOptions())
    assert result.error is not None
    assert "nope.hex" in result.error


def test_an_endless_line_on_stdin_is_refused_and_reading_stops():
    class Endless:
        total = 0

        def read(self, n=-1):
            assert n >= 0, "an unbounded read of standard input"
            Endless.total += n
            return b"A" * n

    sources = list(iter_sources(["-"], stdin=Endless()))
    assert [s.name for s in sources] == ["-:1"]
    assert "longer than" in (sources[0].error or "")
    assert Endless.total == (16 << 20) + 1


# --- --format jsonl is built from parts: the same text as json.dumps of the findings ----------


def _dumped(name, kind, findings, *, keyed=False):
    """The jsonl line as json.dumps writes it (the reference the built line must equal)."""
    from secrules.checking import failed
    from secrules.core.files import display_name
    from secrules.core.findings import Outcome
    from secrules.report import as_json

    payload = {
        "file": display_name(name),
        "kind": kind,
        "failed": sum(f.outcome is Outcome.FAIL for f in findings),
        "fails_check": failed(findings, protection_required=keyed),
        "findings": [as_json(f) for f in findings],
    }
    try:
        text = json.dumps(payload, ensure_ascii=False)
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(payload, ensure_ascii=True)
    return text + "\n"


@pytest.fixture(scope="module")
def rtds_raws(rtds_files):
    return [bytes.fromhex("".join(p.read_text(encoding="ascii").split())) for p in rtds_files]


@pytest.fixture(scope="module")
def rtds_store(keystore_dir):
    from secrules.gbcs import open_keystore

    return open_keystore(keystore_dir)


@settings(max_examples=25, deadline=None)
@given(
    name=st.text(max_size=10) | st.sampled_from(["caf\udce9", "\u00e9\u4e2d.hex", '"q\\\n']),
    index=st.integers(0, 10_000),
    keyed=st.booleans(),
)
def test_jsonl_line_is_json_dumps_of_the_findings(rtds_raws, rtds_store, name, index, keyed):
    from secrules.checking import check_input
    from secrules.core.files import display_name
    from secrules.inputs import read_input

    raw = rtds_raws[index % len(rtds_raws)]
    store = rtds_store if keyed else None
    result = check_source(
        Source(name, data=raw), Context(keystore=store), CheckOptions(fmt="jsonl")
    )
    subject = read_input(raw, name=display_name(name))
    expected = _dumped(name, subject.description, check_input(subject, keystore=store), keyed=keyed)
    assert result.text == expected


def test_jsonl_line_on_every_rtds_message(rtds_raws, rtds_store):
    from secrules.checking import check_input
    from secrules.inputs import read_input

    for i, raw in enumerate(rtds_raws[::3]):
        name = f"m{i}"
        for store in (None, rtds_store):
            result = check_source(
                Source(name, data=raw), Context(keystore=store), CheckOptions(fmt="jsonl")
            )
            subject = read_input(raw, name=name)
            assert result.text == _dumped(
                name,
                subject.description,
                check_input(subject, keystore=store),
                keyed=store is not None,
            )


class _Trickle(io.RawIOBase):
    """A stream that gives at most ``step`` octets per read (lines split across reads)."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._step = step

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        size = self._step if n is None or n < 0 else min(n, self._step)
        out, self._data = self._data[:size], self._data[size:]
        return out


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.sampled_from(["DF09", "", "  ", "0102 03", "ab", "z\r"]), max_size=30),
    step=st.integers(1, 9),
    last_newline=st.booleans(),
)
def test_stdin_lines_are_the_lines_however_they_are_read(lines, step, last_newline):
    data = "\n".join(lines).encode() + (b"\n" if last_newline and lines else b"")
    if not data.strip() or data.lstrip()[:1] in (b"<",):
        return
    sources = list(iter_sources(["-"], stdin=_Trickle(data, step)))
    parts = data.split(b"\n")
    expected = [
        (f"-:{i}", part + (b"\n" if i < len(parts) else b""))
        for i, part in enumerate(parts, 1)
        if part.strip()
    ]
    assert [(s.name, s.data) for s in sources] == expected


def test_an_empty_folder_is_an_error_not_a_clean_run(run_cli, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".hidden.hex").write_text("DF09", encoding="ascii")
    proc = run_cli("check", "--format", "jsonl", empty)
    assert proc.code == 2
    assert proc.err == f"secrules: {empty}: no input in this folder (hidden names are skipped)\n"
    summary = _lines(proc.out)[-1]["summary"]
    assert (summary["messages"], summary["checked"], summary["errors"]) == (1, 0, 1)


@pytest.mark.parametrize("target", ["d1/broken.hex", "d0/report.json"])
def test_output_onto_a_file_in_an_input_folder_is_refused(run_cli, corpus, target):
    out = corpus / target
    if not out.exists():
        out.write_text("an earlier report", encoding="utf-8")
    before = out.read_bytes()
    proc = run_cli("check", "--format", "jsonl", "-o", out, corpus)
    assert proc.code == 2
    assert proc.err == (
        f"secrules: {out}: refusing to overwrite a file in {corpus}, a folder this command "
        "reads; choose another output file\n"
    )
    assert out.read_bytes() == before


def test_output_onto_a_hidden_file_in_an_input_folder_is_written(run_cli, corpus):
    out = corpus / ".report.jsonl"
    out.write_text("old", encoding="utf-8")
    proc = run_cli("check", "--format", "jsonl", "-o", out, corpus)
    assert proc.code == 2  # broken.hex
    assert _lines(out.read_text(encoding="utf-8"))[-1]["summary"]["messages"] == 13
