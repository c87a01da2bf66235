"""Checking many inputs as a stream: the engine of ``secrules check`` (one process or a pool).

:func:`iter_sources` turns command-line arguments into a stream of :class:`Source`: files as
given, directories walked recursively in a stable (sorted) order, and ``-`` for standard input,
read one message per line (hex or base64 text; blank lines skipped) unless it is XML or binary
octets, which are one input. :func:`check_sources` checks the stream and yields one
:class:`MessageResult` per input, in input order, as it goes: in this process (``jobs=1``) or
in a process pool (``jobs=N``), each worker opening the key store, Table 28d and inventory once
(its initializer). Results carry what a report needs (the rendered text or JSON of the
message's findings, the counts by outcome and rule, the GBCS message code) rather than the
findings themselves, so memory stays flat however many messages are checked; a
:class:`Summary` adds them up. An input that cannot be read or decoded is a result with an
``error``, and the batch goes on.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import itertools
import json
import multiprocessing
import os
import stat
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

import attrs

from secrules.core.files import display_name, printable
from secrules.errors import DataFileError, SecrulesError

if TYPE_CHECKING:
    from secrules.core.findings import Finding
    from secrules.gbcs.keystore import KeyStore
    from secrules.gbcs.table_28d import Table28d
    from secrules.gbcs.types import Eui64
    from secrules.inputs import Input
    from secrules.inventory import Inventory, User

__all__ = [
    "FORMATS",
    "SERIAL_BELOW",
    "Batch",
    "CheckContext",
    "CheckOptions",
    "MessageResult",
    "Source",
    "Summary",
    "check_batches",
    "check_source",
    "check_sources",
    "default_jobs",
    "iter_sources",
]

#: The report formats a result can be rendered in.
FORMATS = ("text", "json", "jsonl")
#: Fewer inputs than this are checked in this process whatever ``jobs`` says (a pool costs more
#: to start than it saves).
SERIAL_BELOW = 256
#: Inputs per task sent to a worker.
CHUNK = 32
#: Size of each read of standard input while looking for the end of a line.
_READ = 1 << 16


def default_jobs() -> int:
    """Every core this process may run on (``-j`` default)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@attrs.frozen
class Source:
    """One input of a batch: a file to read (``path``) or octets already read (``data``).

    ``name`` is how reports name it (the path as given; ``-`` or ``-:LINE`` for standard
    input); ``error`` is set for an input that could not even be read (a line too long).
    """

    name: str
    path: str | None = None
    data: bytes | None = attrs.field(default=None, repr=False)
    error: str | None = None


def _walk(root: str) -> Iterator[Source]:
    """Every file under the directory ``root``, recursively, in sorted order.

    Hidden names (starting with ``.``) are skipped and links are not followed into
    directories; a directory that cannot be listed is an error source naming it.
    """
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        yield Source(root, error=f"cannot list folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and folders (.git, an output being written) are not inputs
        path = os.path.join(root, entry.name)  # noqa: PTH118 - names as the user would spell them
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            yield from _walk(path)
        else:
            yield Source(path, path=path)


def _is_dir(name: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(name).st_mode)  # noqa: PTH116 - one stat, names as given
    except (OSError, ValueError):
        return False


def _is_text_start(octet: int) -> bool:
    """Whether ``octet`` can start a line of hex or base64 text (printable ASCII, not ``<``)."""
    return 0x20 < octet < 0x7F and octet != ord("<")


def _stdin_sources(stream: IO[bytes] | None) -> Iterator[Source]:
    """Standard input: one message per non-blank line, or one input when it is XML or binary.

    Reads with ``stream.read(n)`` only, never more than :data:`MAX_INPUT_BYTES` plus one octet
    for one input or one line: endless input is refused, never slurped. A line longer than
    that is an error, and standard input is not read further.
    """
    from secrules.inputs import MAX_INPUT_BYTES

    if stream is None:
        yield Source("-", error="cannot read input: no standard input")
        return
    cap = MAX_INPUT_BYTES
    read = stream.read
    buffer = b""
    # The first non-blank octet decides: text is read line by line, anything else is one input.
    while not buffer.lstrip() and len(buffer) <= cap:
        chunk = read(min(_READ, cap + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    head = buffer.lstrip()
    if not head or not _is_text_start(head[0]):
        while len(buffer) <= cap:
            chunk = read(min(1 << 20, cap + 1 - len(buffer)))
            if not chunk:
                yield Source("-", data=buffer)
                return
            buffer += chunk
        yield Source("-", error=f"input is larger than {cap} bytes")
        return
    yield from _lines(read, buffer, cap)


def _lines(read: Callable[[int], bytes], buffer: bytes, cap: int) -> Iterator[Source]:
    """The non-blank lines of ``buffer`` and what ``read`` gives after it, each at most ``cap``.

    ``buffer[pos:]`` is what is left to split: lines are sliced at ``pos``, and the rest is
    copied only when more is read.
    """
    number = 0
    eof = False
    pos = 0
    while len(buffer) > pos or not eof:
        end = buffer.find(b"\n", pos)
        pending = len(buffer) - pos
        if end < 0 and not eof and pending <= cap:
            chunk = read(min(_READ, cap + 1 - pending))
            buffer = buffer[pos:] + chunk
            pos = 0
            eof = not chunk
            continue
        number += 1
        if end < 0 and pending > cap:
            error = f"line is longer than {cap} bytes; standard input not read further"
            yield Source(f"-:{number}", error=error)
            return
        if end < 0:
            line = buffer[pos:]
            pos = len(buffer)
        else:
            line = buffer[pos : end + 1]
            pos = end + 1
        if line.strip():
            yield Source(f"-:{number}", data=line)


def iter_sources(names: Iterable[str], *, stdin: IO[bytes] | None = None) -> Iterator[Source]:
    """The inputs ``names`` stand for, lazily: files, directories and ``-`` (standard input).

    Directories are read recursively in sorted order, hidden names skipped; a directory with
    no input in it is an error source naming it.

    ``-`` reads ``stdin`` (default: this process's standard input) one message per non-blank
    line (hex or base64 text), named ``-:LINE``; when its first line is XML or binary octets
    the whole of standard input is one input named ``-``.
    """
    for name in names:
        if name == "-":
            stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
            yield from _stdin_sources(stream)
        elif _is_dir(name):
            found = False
            for source in _walk(name):
                found = True
                yield source
            if not found:  # nothing checked must not read as a clean run
                yield Source(name, error="no input in this folder (hidden names are skipped)")
        else:
            yield Source(name, path=name)


@attrs.frozen
class CheckOptions:
    """What ``secrules check`` was asked for, picklable for the workers of a pool.

    Files are named by path (each worker reads them once, in its initializer); ``fmt`` and
    ``quiet`` say how each result is rendered.
    """

    regime: str = "proposed"
    keystore: str | None = None
    table_28d: str | None = None
    era: str | None = None
    default_configuration: bool = False
    inventory: str | None = None
    sender: tuple[str, str | None] | None = None
    at: dt.datetime | None = None
    acb: Eui64 | None = None
    fmt: str = "text"
    quiet: bool = False


@attrs.frozen
class CheckContext:
    """The files :class:`CheckOptions` name, each read once (in a worker: once per worker)."""

    keystore: KeyStore | None = None
    table_28d: Table28d | None = None
    inventory: Inventory | None = None
    sender: tuple[str, str | None] | None = None
    at: dt.datetime | None = None
    acb: Eui64 | None = None

    @classmethod
    def load(cls, options: CheckOptions) -> CheckContext:
        """Read the key store (cached by path), Table 28d and inventory ``options`` name."""
        keystore = table = inventory = None
        if options.keystore is not None:
            from secrules.gbcs.keystore import cached_keystore

            keystore = cached_keystore(options.keystore)
        if options.table_28d is not None:
            from secrules.gbcs.table_28d import load_table_28d

            table = load_table_28d(options.table_28d)
        if options.inventory is not None:
            from secrules.inventory import load_inventory

            inventory = load_inventory(options.inventory)
        return cls(keystore, table, inventory, options.sender, options.at, options.acb)


@attrs.frozen
class MessageResult:
    """One input's result: its report text (or the error), and counts for the summary.

    ``text`` is the rendered report of the input in the batch's format (text lines, one JSON
    line, or one indented JSON object), empty for an error; ``error`` the one-line error
    (``secrules: FILE: ...``) and ``error_text`` the same without the ``secrules: FILE:``
    prefix. ``failed`` says whether the findings fail the check (:func:`secrules.failed`, with
    ``protection_required`` when a key store was given); ``fails`` counts FAIL findings;
    ``outcomes`` and ``rules`` count findings by outcome and by (rule, outcome);
    ``message_code`` is the GBCS message code, if the input is a GBCS message.
    """

    name: str
    kind: str | None = None
    text: str = ""
    error: str | None = None
    error_text: str | None = None
    failed: bool = False
    fails: int = 0
    xml: bool = False
    outcomes: tuple[tuple[str, int], ...] = ()
    rules: tuple[tuple[str, str, int], ...] = ()
    message_code: int | None = None


def _error_result(name: str, exc: SecrulesError | OSError, options: CheckOptions) -> MessageResult:
    from secrules.gbcs.cli import describe_error

    line = describe_error(name, exc)
    prefix = f"secrules: {display_name(name)}: "
    bare = line.removeprefix(prefix) if line.startswith(prefix) else line.removeprefix("secrules: ")
    text = ""
    if options.fmt == "jsonl":
        text = _json_line({"file": display_name(name), "error": printable(bare, one_line=True)})
    return MessageResult(name, error=line, error_text=bare, text=text)


def _json_line(payload: object, *, indent: int | None = None) -> str:
    try:
        text = json.dumps(payload, ensure_ascii=False, indent=indent)
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: \u escapes keep the JSON valid
        text = json.dumps(payload, ensure_ascii=True, indent=indent)
    return text + "\n" if indent is None else text


def _sender_for(subject: Input, role: str, user_id: str | None) -> User:
    """The DCC User who sent the DUIS request ``subject``: ``user_id``, else its RequestID's."""
    from secrules.duis import RequestId, parse_request
    from secrules.errors import InvalidValueError
    from secrules.inventory import User

    if user_id is None:
        text = parse_request(subject.data).header.request_id
        try:
            user_id = RequestId.parse(text.value).sender
        except InvalidValueError:
            raise InvalidValueError(
                f"the RequestID {text.value!r} does not name the sender's User ID; give it as "
                "--sender ROLE:USERID"
            ) from None
    return User(user_id, role)


def check_source(source: Source, context: CheckContext, options: CheckOptions) -> MessageResult:
    """Check one input and render its result in ``options.fmt``; never raises for bad input.

    A file that cannot be read or an input that cannot be decoded is a result with ``error``
    set (a :class:`~secrules.errors.SecrulesError` or :class:`OSError`); anything else (a bug)
    propagates.
    """
    from secrules.checking import check_input, failed, read_file
    from secrules.inputs import InputKind, read_input

    if source.error is not None:
        return _error_result(source.name, DataFileError(source.error, file=source.name), options)
    try:
        raw = source.data if source.data is not None else read_file(source.path or source.name)
        subject = read_input(raw, name=display_name(source.name))
        user = None
        xml = subject.kind is InputKind.XML
        if xml and context.sender is not None:
            user = _sender_for(subject, *context.sender)
        code = None
        if subject.payload.is_gbcs:
            from secrules.gbcs import parse_message

            # Parsed once: check_input below gets the same record back (parse_message keeps
            # the last message it read).
            code = parse_message(subject.data).message_code
        findings = check_input(
            subject,
            regime=options.regime,
            keystore=context.keystore,
            table_28d=context.table_28d,
            era=options.era,
            default_configuration=options.default_configuration,
            inventory=context.inventory if user is not None else None,
            sender=user,
            at=context.at,
            acb=context.acb,
        )
    except (SecrulesError, OSError) as exc:
        return _error_result(source.name, exc, options)
    fails = failed(findings, protection_required=context.keystore is not None)
    return _result(
        source.name, subject.description, findings, fails=fails, xml=xml, code=code, options=options
    )


def _result(
    name: str,
    kind: str,
    findings: list[Finding],
    *,
    fails: bool,
    xml: bool,
    code: int | None,
    options: CheckOptions,
) -> MessageResult:
    by_outcome: dict[str, int] = {}
    by_rule: dict[tuple[str, str], int] = {}
    values = _OUTCOME_VALUES or _outcome_values()
    for finding in findings:
        outcome = values[finding.outcome]
        by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
        key = (finding.rule_id, outcome)
        by_rule[key] = by_rule.get(key, 0) + 1
    fail_count = by_outcome.get("fail", 0)
    return MessageResult(
        name,
        kind=kind,
        text=_render(name, kind, findings, fail_count, options, fails_check=fails),
        failed=fails,
        fails=fail_count,
        xml=xml,
        outcomes=tuple(by_outcome.items()),
        rules=tuple((rule, outcome, n) for (rule, outcome), n in by_rule.items()),
        message_code=code,
    )


_OUTCOME_VALUES: dict[Any, str] = {}


def _outcome_values() -> dict[Any, str]:
    """Each Outcome's value, read once (an enum member's ``.value`` is a descriptor call)."""
    from secrules.core.findings import Outcome

    _OUTCOME_VALUES.update((outcome, outcome.value) for outcome in Outcome)
    return _OUTCOME_VALUES


def _render(
    name: str,
    kind: str,
    findings: list[Finding],
    fails: int,
    options: CheckOptions,
    *,
    fails_check: bool,
) -> str:
    from secrules.report import FileFindings, as_json, render_findings

    if options.fmt == "text":
        one = FileFindings(name, kind, findings)
        return render_findings([one], "text", regime=options.regime, quiet=options.quiet)
    if options.fmt == "jsonl":
        return _jsonl_line(display_name(name), kind, fails, findings, fails_check=fails_check)
    payload = {
        "file": display_name(name),
        "kind": kind,
        "failed": fails,
        "fails_check": fails_check,
        "findings": [as_json(f) for f in findings],
    }
    # One object of the JSON document's "files" list, indented as json_text indents it there.
    return "    " + _json_line(payload, indent=2).replace("\n", "\n    ")


# --- --format jsonl, written directly ------------------------------------------------------
# ``_json_line({"file": ..., "kind": ..., "failed": ..., "fails_check": ...,
# "findings": [as_json(f), ...]})`` as
# one string built from parts: the JSON of a rule's clauses is made once per clauses tuple
# (every finding of a rule carries the same one) and strings are encoded by json's own
# encoder. A test compares the two byte for byte.

_encode_string = json.encoder.encode_basestring  # json.dumps(str, ensure_ascii=False)
# id(clauses) -> (clauses, their JSON): the tuple is kept, so its id is never reused.
_CLAUSES_JSON: dict[int, tuple[tuple[Any, ...], str]] = {}
_CLAUSES_JSON_SIZE = 1024


def _clauses_json(clauses: tuple[Any, ...]) -> str:
    cached = _CLAUSES_JSON.get(id(clauses))
    if cached is not None and cached[0] is clauses:
        return cached[1]
    from secrules.report import as_json

    text = json.dumps([as_json(c) for c in clauses], ensure_ascii=False)
    if len(_CLAUSES_JSON) >= _CLAUSES_JSON_SIZE:
        _CLAUSES_JSON.clear()
    _CLAUSES_JSON[id(clauses)] = (clauses, text)
    return text


def _json_value(value: str | int | None) -> str:
    if value is None:
        return "null"
    if type(value) is str:
        return _encode_string(value)
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _jsonl_line(
    file: str, kind: str, fails: int, findings: Sequence[Finding], *, fails_check: bool
) -> str:
    """One input's line of ``--format jsonl``: its file, kind, FAIL count, verdict, findings.

    ``fails_check`` is :func:`secrules.checking.failed` of the findings (with a key store, a
    signature, MAC or block that could not be checked fails it too, with no FAIL finding).

    The findings as :func:`secrules.report.as_json` gives them; the same text as
    ``json.dumps`` of that object with ``ensure_ascii=False`` (ASCII escapes throughout when a
    string holds a lone surrogate, which UTF-8 cannot carry) and a new line, built from parts.
    """
    line = _jsonl_text(file, kind, fails, findings, fails_check=fails_check)
    if line is not None:
        return line
    from secrules.report import as_json

    payload: dict[str, object] = {
        "file": file,
        "kind": kind,
        "failed": fails,
        "fails_check": fails_check,
    }
    payload["findings"] = [as_json(f) for f in findings]
    return _json_line(payload)


def _jsonl_text(
    file: str, kind: str, fails: int, findings: Sequence[Finding], *, fails_check: bool
) -> str | None:
    """:func:`_jsonl_line`, or None when a lone surrogate needs ``_json_line``'s fallback."""
    encode = _encode_string
    values = _OUTCOME_VALUES or _outcome_values()
    parts = []
    for f in findings:
        outcome = values[f.outcome]
        parts.append(
            f'{{"rule_id": {encode(f.rule_id)}, "outcome": "{outcome}", '
            f'"verdict": {encode(outcome if f.label is None else f.label)}, '
            f'"message": {encode(f.message)}, "path": {_json_value(f.path)}, '
            f'"offset": {_json_value(f.offset)}, "clauses": {_clauses_json(f.clauses)}}}'
        )
    text = (
        f'{{"file": {encode(file)}, "kind": {encode(kind)}, "failed": {_json_value(fails)}, '
        f'"fails_check": {"true" if fails_check else "false"}, '
        f'"findings": [{", ".join(parts)}]}}\n'
    )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: _json_line writes \u escapes throughout
        return None
    return text


@attrs.define
class Summary:
    """Counts over a batch: inputs, errors, failed inputs, findings by outcome, rule and code."""

    messages: int = 0
    errors: int = 0
    failed: int = 0
    fails: int = 0
    xml: int = 0
    outcomes: Counter[str] = attrs.Factory(Counter)
    rules: dict[str, Counter[str]] = attrs.Factory(dict)
    message_codes: Counter[str] = attrs.Factory(Counter)

    def add(self, result: MessageResult) -> None:
        """Count one result in."""
        self.messages += 1
        if result.error is not None:
            self.errors += 1
            return
        self.failed += result.failed
        self.fails += result.fails
        self.xml += result.xml
        outcomes = self.outcomes
        for outcome, n in result.outcomes:
            outcomes[outcome] += n
        rules = self.rules
        for rule, outcome, n in result.rules:
            counts = rules.get(rule)
            if counts is None:
                counts = rules[rule] = Counter()
            counts[outcome] += n
        if result.message_code is not None:
            self.message_codes[f"0x{result.message_code:04X}"] += 1

    def merge(self, other: Summary) -> None:
        """Count in everything ``other`` counted (the summary of another batch)."""
        self.messages += other.messages
        self.errors += other.errors
        self.failed += other.failed
        self.fails += other.fails
        self.xml += other.xml
        self.outcomes.update(other.outcomes)
        for rule, counts in other.rules.items():
            self.rules.setdefault(rule, Counter()).update(counts)
        self.message_codes.update(other.message_codes)

    def as_json(self) -> dict[str, Any]:
        """The summary as JSON values (the last line of ``--format jsonl``)."""
        return {
            "messages": self.messages,
            "checked": self.messages - self.errors,
            "errors": self.errors,
            "failed_messages": self.failed,
            "outcomes": dict(sorted(self.outcomes.items())),
            "rules": {rule: dict(sorted(c.items())) for rule, c in sorted(self.rules.items())},
            "message_codes": dict(sorted(self.message_codes.items())),
        }


# --- the pool ------------------------------------------------------------------------------

_WORKER: tuple[CheckContext, CheckOptions] | None = None


def _init_worker(options: CheckOptions) -> None:
    """Pool initializer: open the key store, Table 28d and inventory once for this worker."""
    global _WORKER  # noqa: PLW0603 - the one per-process state of a pool worker
    _WORKER = (CheckContext.load(options), options)


@attrs.frozen
class Batch:
    """Consecutive inputs' report text, errors and :class:`Summary`, made where they were checked.

    ``text`` is the inputs' reports joined (a comma and a new line between the objects of
    ``--format json``,
    so the writer adds only what goes before the first), ``count`` how many inputs have text,
    ``errors`` each error as ``(name, line, bare)`` (see :class:`MessageResult`), and
    ``results`` the results themselves, only when asked for (a pool sends the rest alone, which
    keeps the process that writes the report light).
    """

    text: str
    count: int
    errors: tuple[tuple[str, str, str], ...]
    summary: Summary
    results: tuple[MessageResult, ...] = ()


def _batch(
    chunk: list[Source], context: CheckContext, options: CheckOptions, *, keep: bool
) -> Batch:
    summary = Summary()
    results = []
    texts = []
    errors = []
    for source in chunk:
        result = check_source(source, context, options)
        summary.add(result)
        if keep:
            results.append(result)
        if result.text:
            texts.append(result.text)
        if result.error is not None:
            errors.append((result.name, result.error, result.error_text or ""))
    joiner = ",\n" if options.fmt == "json" else ""
    return Batch(joiner.join(texts), len(texts), tuple(errors), summary, tuple(results))


_Wire = tuple[str, str | None, bytes | None, str | None]


def _work(chunk: list[_Wire], *, keep: bool) -> Batch:
    if _WORKER is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("batch worker used before its initializer")
    context, options = _WORKER
    return _batch([Source(*wire) for wire in chunk], context, options, keep=keep)


def _chunks(sources: Iterator[Source]) -> Iterator[list[_Wire]]:
    """``sources`` in lists of :data:`CHUNK` plain tuples (what a worker is sent)."""
    while True:
        chunk = [(s.name, s.path, s.data, s.error) for s in itertools.islice(sources, CHUNK)]
        if not chunk:
            return
        yield chunk


def check_sources(
    sources: Iterable[Source],
    options: CheckOptions,
    *,
    jobs: int = 1,
    context: CheckContext | None = None,
) -> Iterator[MessageResult]:
    """Check ``sources`` and yield one :class:`MessageResult` per input, in input order.

    ``jobs`` 1 checks in this process with ``context`` (default: loaded from ``options``);
    more starts a process pool of that many workers, each loading its own context once, fed
    :data:`CHUNK` inputs at a time with at most a few chunks per worker in flight. Fewer than
    :data:`SERIAL_BELOW` inputs are always checked in this process.
    """
    for batch in check_batches(sources, options, jobs=jobs, context=context, keep=True):
        yield from batch.results


def check_batches(
    sources: Iterable[Source],
    options: CheckOptions,
    *,
    jobs: int = 1,
    context: CheckContext | None = None,
    keep: bool = False,
) -> Iterator[Batch]:
    """:func:`check_sources` in :class:`Batch` es of up to :data:`CHUNK` inputs, in order.

    ``keep`` keeps each :class:`MessageResult` in :attr:`Batch.results`.
    """
    stream = iter(sources)
    if jobs > 1:
        head = list(itertools.islice(stream, SERIAL_BELOW))
        if len(head) < SERIAL_BELOW:
            jobs = 1
        stream = itertools.chain(head, stream)
    if jobs <= 1:
        ctx = context if context is not None else CheckContext.load(options)
        while True:
            chunk = list(itertools.islice(stream, CHUNK))
            if not chunk:
                return
            yield _batch(chunk, ctx, options, keep=keep)
    yield from _pooled(stream, options, jobs, keep=keep)


def _pooled(
    stream: Iterator[Source], options: CheckOptions, jobs: int, *, keep: bool
) -> Iterator[Batch]:
    """Chunks checked by ``jobs`` worker processes, at most a few per worker in flight.

    A process-pool executor, not ``multiprocessing.Pool``: the pool's worker-handler thread
    wakes whenever the result pipe is readable, so with results of a few hundred kilobytes
    (a chunk's JSON lines) it spun in the parent and took CPU from the workers. The executor's
    one thread reads each result as it comes. Results are yielded in input order.
    """
    from concurrent.futures import Future, ProcessPoolExecutor

    in_flight = 4 * jobs
    # Objects made so far move to a permanent generation: forked workers' collections do not
    # walk (and copy-on-write touch) the parent's whole heap.
    gc.freeze()
    executor = ProcessPoolExecutor(
        jobs,
        mp_context=multiprocessing.get_context(),
        initializer=_init_worker,
        initargs=(options,),
    )
    pending: collections.deque[Future[Batch]] = collections.deque()
    try:
        for chunk in _chunks(stream):
            pending.append(executor.submit(_work, chunk, keep=keep))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()
