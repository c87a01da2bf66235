"""Checking a fleet's traffic on a Dask cluster: :func:`check_corpus` (``secrules[dask]``).

The corpus is files (paths, or folders read recursively as ``secrules check`` reads them), text
files with one hex or base64 message per line, or a Parquet dataset with a column of hex
messages. It is split into Dask partitions (``dask.bag`` for files and lines,
``dask.dataframe`` for Parquet); each worker process opens the key store, Table 28d and
inventory once (cached by path, per process) and checks its partitions with the same engine as
``secrules check`` (:func:`secrules.batch.check_source`). The result is a :class:`FleetSummary`
with the same counts as the command's ``--format jsonl`` summary line; with ``findings=`` the
findings are also written, one row per finding, as Parquet (a folder of part files) or JSON
Lines (one file per partition).

Install with ``pip install 'secrules[dask]'`` (dask, distributed, pyarrow). See docs/fleet.md.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from secrules.batch import CheckContext, CheckOptions, MessageResult, Source, Summary, iter_sources
from secrules.core.validation import (
    require_bool,
    require_int,
    require_path,
    require_text,
    require_type,
)
from secrules.errors import DataFileError, InvalidValueError, SecrulesError

if TYPE_CHECKING:
    import datetime as dt

    from secrules.gbcs.types import Eui64

__all__ = ["FINDING_COLUMNS", "FleetSummary", "check_corpus"]

#: The columns of a findings row (Parquet and JSON Lines alike).
FINDING_COLUMNS = ("input", "rule_id", "outcome", "path", "offset", "message", "error")


@attrs.frozen
class FleetSummary:
    """What :func:`check_corpus` found: the counts of ``secrules check --format jsonl``'s summary.

    ``counts`` is that summary (``messages``, ``checked``, ``errors``, ``failed_messages``,
    ``outcomes``, ``rules``, ``message_codes``); ``findings`` where the rows were written.
    """

    counts: dict[str, Any]
    findings: str | None = None

    @property
    def messages(self) -> int:
        """Inputs seen (checked or not)."""
        return int(self.counts["messages"])

    @property
    def failed_messages(self) -> int:
        """Inputs whose findings fail the check."""
        return int(self.counts["failed_messages"])

    @property
    def errors(self) -> int:
        """Inputs that could not be read or decoded."""
        return int(self.counts["errors"])


# --- in the worker ----------------------------------------------------------------------------

_CONTEXTS: dict[CheckOptions, CheckContext] = {}


def _context(options: CheckOptions) -> CheckContext:
    """One context per worker process and options: the key store is opened once per worker."""
    found = _CONTEXTS.get(options)
    if found is None:
        found = _CONTEXTS[options] = CheckContext.load(options)
    return found


def _rows(result: MessageResult, findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    if result.error is not None:
        return [dict.fromkeys(FINDING_COLUMNS) | {"input": result.name, "error": result.error}]
    return [
        {
            "input": result.name,
            "rule_id": f["rule_id"],
            "outcome": f["outcome"],
            "path": f.get("path"),
            "offset": f.get("offset"),
            "message": f["message"],
            "error": None,
        }
        for f in findings
    ]


def _check_partition(
    sources: Iterable[Source], options: CheckOptions, out: str | None, fmt: str, part: int
) -> dict[str, Any]:
    """Check one partition in a worker; write its finding rows to ``out`` (if given).

    Returns the partition's summary as JSON values (small: the rows stay on the worker).
    """
    from secrules.batch import check_source

    summary = Summary()
    rows: list[dict[str, Any]] = []
    wanted = attrs.evolve(options, fmt="jsonl") if out is not None else options
    context = _context(options)
    for source in sources:
        result = check_source(source, context, wanted)
        summary.add(result)
        if out is not None:
            found = [] if result.error is not None else json.loads(result.text)["findings"]
            rows.extend(_rows(result, found))
    if out is not None:
        _write_part(rows, out, fmt, part)
    return summary.as_json()


def _write_part(rows: list[dict[str, Any]], out: str, fmt: str, part: int) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with (folder / f"part-{part:05d}.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row) + "\n" for row in rows)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("input", pa.string()),
            ("rule_id", pa.string()),
            ("outcome", pa.string()),
            ("path", pa.string()),
            ("offset", pa.int64()),
            ("message", pa.string()),
            ("error", pa.string()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / f"part-{part:05d}.parquet")


def _check_lines(
    path: str, options: CheckOptions, out: str | None, fmt: str, part: int
) -> dict[str, Any]:
    """One text file of messages, one per line (named ``FILE:LINE``), in one task."""
    try:
        handle = Path(path).open(encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    except OSError as exc:
        error = Source(path, error=f"cannot read input: {exc.strerror or exc}")
        return _check_partition([error], options, out, fmt, part)
    with handle:
        return _check_partition(_line_sources(path, handle), options, out, fmt, part)


def _check_frame(  # noqa: PLR0917 - one Parquet partition and how to read it
    frame: Any,  # noqa: ANN401 - a pandas DataFrame
    column: str,
    name_column: str | None,
    label: str,
    options: CheckOptions,
    out: str | None,
    fmt: str,
    part: int,
) -> dict[str, Any]:
    """One Parquet partition: ``column`` holds the messages (hex text or octets)."""
    values = frame[column].tolist()
    if name_column is not None:
        names = [str(n) for n in frame[name_column].tolist()]
    else:
        names = [f"{label}#{part}.{i}" for i in range(len(values))]
    return _check_partition(_hex_sources(names, values), options, out, fmt, part)


def _merge(counts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {
        "messages": 0,
        "checked": 0,
        "errors": 0,
        "failed_messages": 0,
        "outcomes": {},
        "rules": {},
        "message_codes": {},
    }
    for part in counts:
        for key in ("messages", "checked", "errors", "failed_messages"):
            total[key] += part[key]
        for key in ("outcomes", "message_codes"):
            for name, n in part[key].items():
                total[key][name] = total[key].get(name, 0) + n
        for rule, by_outcome in part["rules"].items():
            into = total["rules"].setdefault(rule, {})
            for outcome, n in by_outcome.items():
                into[outcome] = into.get(outcome, 0) + n
    total["outcomes"] = dict(sorted(total["outcomes"].items()))
    total["message_codes"] = dict(sorted(total["message_codes"].items()))
    total["rules"] = {r: dict(sorted(c.items())) for r, c in sorted(total["rules"].items())}
    return total


def _line_sources(name: str, lines: Iterable[str]) -> Iterator[Source]:
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield Source(f"{name}:{number}", data=line.encode("utf-8", "surrogateescape"))


def _hex_sources(names: Sequence[str], values: Sequence[object]) -> Iterator[Source]:
    for name, value in zip(names, values, strict=True):
        if isinstance(value, bytes):
            yield Source(name, data=value)
        elif isinstance(value, str):
            yield Source(name, data=value.encode("utf-8", "surrogateescape"))
        else:
            yield Source(name, error=f"not a message: {type(value).__name__} value")


# --- on the client ----------------------------------------------------------------------------


def check_corpus(
    corpus: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    client: Any = None,  # noqa: ANN401 - a distributed.Client, typed loosely (optional extra)
    kind: str = "files",
    column: str = "message",
    name_column: str | None = None,
    findings: str | os.PathLike[str] | None = None,
    findings_format: str = "parquet",
    partition_size: int = 2000,
    regime: str = "proposed",
    keystore: str | os.PathLike[str] | None = None,
    table_28d: str | os.PathLike[str] | None = None,
    era: str | None = None,
    default_configuration: bool = False,
    at: dt.datetime | None = None,
    acb: Eui64 | None = None,
) -> FleetSummary:
    """Check a corpus on a Dask cluster and return the counts (see the module docstring).

    ``corpus`` is one path or several. ``kind`` says what they hold: ``"files"`` (one input per
    file; folders read recursively, as ``secrules check`` does), ``"lines"`` (text files, one
    hex or base64 message per line, named ``FILE:LINE``) or ``"parquet"`` (a Parquet dataset
    whose ``column`` holds hex text or the octets; ``name_column`` names each row, default
    ``PATH#ROW``). ``client`` is a ``distributed.Client`` (default: the current one, else
    Dask's local scheduler); point it at a cluster with ``Client("tcp://scheduler:8786")``.
    ``partition_size`` is the number of inputs per partition (files and lines). ``findings``
    writes one row per finding (:data:`FINDING_COLUMNS`) to that folder: Parquet part files
    (``findings_format="parquet"``) or JSON Lines (``"jsonl"``). The options are those of
    :func:`secrules.check`, with files named by path: every worker must see ``keystore``,
    ``table_28d`` and the corpus at the same paths (a shared file system or object store).

    Raises :class:`InvalidValueError` for an argument of the wrong type or value (``kind``,
    ``findings_format``, ``regime``, ``partition_size``, a naive ``at``...) before any task
    runs, :class:`~secrules.errors.DataFileError` when ``findings`` is a file or a Parquet
    corpus cannot be read, and :class:`SecrulesError` when the dask extra is not installed.
    """
    try:
        from dask.base import compute
    except ImportError:
        raise SecrulesError("check_corpus needs Dask: pip install 'secrules[dask]'") from None
    if kind not in ("files", "lines", "parquet"):
        raise InvalidValueError(f"kind must be files, lines or parquet, not {kind!r}")
    if findings_format not in ("parquet", "jsonl"):
        raise InvalidValueError(
            f"findings_format must be parquet or jsonl, not {findings_format!r}"
        )
    _check_options(partition_size, regime, era, default_configuration, at, acb)
    if findings is not None:
        _check_findings_folder(require_path(findings, "findings"))
    options = CheckOptions(
        regime=regime,
        keystore=None if keystore is None else os.fspath(keystore),
        table_28d=None if table_28d is None else os.fspath(table_28d),
        era=era,
        default_configuration=default_configuration,
        at=at,
        acb=acb,
        fmt="text",
    )
    paths = _corpus_paths(corpus)
    out = None if findings is None else os.fspath(findings)
    tasks = _tasks(paths, kind, column, name_column, partition_size, options, out, findings_format)
    compute_kwargs: dict[str, Any] = {}
    if client is not None:
        compute_kwargs["scheduler"] = client
    counts = _merge(compute(*tasks, **compute_kwargs))  # type: ignore[no-untyped-call]
    return FleetSummary(counts, out)


def _check_options(  # noqa: PLR0917 - check_corpus's options, one to one
    partition_size: object,
    regime: object,
    era: object,
    default_configuration: object,
    at: object,
    acb: object,
) -> None:
    """InvalidValueError naming the argument, before any task runs (not one error per input)."""
    from secrules.core.regimes import check_regime
    from secrules.gbcs.keystore import validity_time
    from secrules.gbcs.types import Eui64

    require_int(partition_size, "partition_size", minimum=1)
    check_regime(regime)
    require_text(era, "era", optional=True)
    require_bool(default_configuration, "default_configuration")
    validity_time(at)
    if acb is not None:
        require_type(acb, "acb", (Eui64,), "an Eui64 or None")


def _check_findings_folder(findings: str | os.PathLike[str]) -> None:
    """DataFileError unless ``findings`` is a folder or does not exist yet."""
    path = Path(findings)
    if path.exists() and not path.is_dir():
        raise DataFileError(
            "findings must be a folder (part files are written in it)", file=str(path)
        )


def _corpus_paths(corpus: object) -> list[str]:
    """``corpus`` as a list of path strings (InvalidValueError naming it for anything else)."""
    items = [corpus] if isinstance(corpus, str | os.PathLike) else corpus
    if isinstance(items, bytes | bytearray | memoryview) or not isinstance(items, Sequence):
        raise InvalidValueError("corpus must be a path (str or os.PathLike) or a list of paths")
    paths = []
    for item in items:
        if not isinstance(item, str | os.PathLike):
            raise InvalidValueError(
                f"corpus must be paths (str or os.PathLike), not {type(item).__name__}"
            )
        path = os.fspath(item)
        if not isinstance(path, str) or not path:
            raise InvalidValueError("corpus paths must be non-empty text")
        paths.append(path)
    if not paths:
        raise InvalidValueError("corpus names no path")
    return paths


def _tasks(  # noqa: PLR0917 - check_corpus's arguments, passed on
    paths: list[str],
    kind: str,
    column: str,
    name_column: str | None,
    size: int,
    options: CheckOptions,
    out: str | None,
    fmt: str,
) -> list[Any]:
    """One delayed task per partition: a list of inputs, a text file of lines, a Parquet part."""
    from dask.delayed import delayed

    if kind == "files":
        sources = iter_sources(paths)  # names only: the workers read the files
        tasks = []
        for part in itertools.count():
            chunk = list(itertools.islice(sources, size))
            if not chunk:
                break
            tasks.append(delayed(_check_partition)(chunk, options, out, fmt, part))
        return tasks
    if kind == "lines":
        listed = list(iter_sources(paths))
        files = [s.path or s.name for s in listed if s.error is None]
        tasks = [
            delayed(_check_lines)(name, options, out, fmt, part) for part, name in enumerate(files)
        ]
        unlisted = [s for s in listed if s.error is not None]  # counted as errors, not dropped
        if unlisted:
            tasks.append(delayed(_check_partition)(unlisted, options, out, fmt, len(files)))
        return tasks
    import dask.dataframe as dd

    wanted = [column] if name_column is None else [column, name_column]
    try:
        pieces = dd.read_parquet(paths if len(paths) > 1 else paths[0])[wanted].to_delayed()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Dask wraps pandas' and pyarrow's errors; the first line says what went wrong.
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        why = why.removeprefix("Original Message: ")
        raise DataFileError(f"cannot read the Parquet corpus: {why}", file=paths[0]) from None
    return [
        delayed(_check_frame)(piece, column, name_column, paths[0], options, out, fmt, part)
        for part, piece in enumerate(pieces)
    ]
