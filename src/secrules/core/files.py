"""Reading user input within a size cap, writing output safely, and printable file names.

Every read of a user's file (tables, payloads, message files) goes through
:func:`read_bounded`: it reads at most ``cap + 1`` bytes whatever the file is (regular file,
pipe, device, standard input), so ``/dev/zero`` or an endless pipe is refused, never slurped.
Every ``-o`` output goes through :func:`write_output`: it refuses to write onto a file the
command reads and replaces the target atomically. :func:`display_name` and :func:`printable`
make names and messages safe to print whatever bytes a file name holds.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from secrules.errors import DataFileError

__all__ = [
    "PathArg",
    "display_name",
    "json_text",
    "printable",
    "read_at_most",
    "read_bounded",
    "same_file",
    "stream_output",
    "write_output",
]

#: What a caller may pass as a path.
PathArg = str | os.PathLike[str]

_CHUNK = 1 << 20
# Lone surrogates (from undecodable bytes in a file name) and, in one-line mode, control codes.
_SURROGATES = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape'd byte: show the byte itself
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    r"""``text`` writable to any strict UTF-8 stream: lone surrogates shown as ``\xff``.

    With ``one_line``, control codes (new lines included) are escaped the same way.
    """
    if not one_line and text.isascii():  # the common case: nothing to escape (one C scan)
        return text
    pattern = _UNPRINTABLE if one_line else _SURROGATES
    return pattern.sub(_escape, text)


def display_name(name: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A file name as one printable line: undecodable bytes and control codes escaped."""
    raw = os.fspath(name) if isinstance(name, os.PathLike) else name
    text = os.fsdecode(raw) if isinstance(raw, bytes) else str(raw)
    return printable(text, one_line=True)


def json_text(payload: object) -> str:
    """``payload`` as indented JSON text (UTF-8 kept readable; always encodable)."""
    text = json.dumps(payload, indent=2, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: \\u escapes keep the JSON valid
        text = json.dumps(payload, indent=2, ensure_ascii=True)
    return text + "\n"


def _read_stream(
    read: Callable[[int], bytes | None], cap: int, *, first: int = _CHUNK
) -> bytes | None:
    """All of ``read``'s bytes if there are at most ``cap``, else None (after ``cap + 1``).

    ``first`` is the size of the first request (a regular file's size plus one, so a small file
    is read with one small request); later requests are at most :data:`_CHUNK`.
    """
    chunks: list[bytes] = []
    total = 0
    size = max(1, first)
    while total <= cap:
        chunk = read(min(size, cap + 1 - total))
        size = _CHUNK
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None


def read_at_most(
    path: PathArg, limit: int, *, regular_only: bool = False, wait_for_writer: bool = True
) -> bytes:
    """At most ``limit`` bytes of the file at ``path``; ``OSError`` for anything else.

    Works for regular files, pipes and devices alike (the size ``stat`` reports is not
    trusted): reads ``limit + 1`` bytes at most and raises ``OSError`` (EFBIG) if there are
    more. A FIFO is read like a pipe: its open waits for a writer, as ``cat`` does, unless
    ``wait_for_writer`` is false (then a FIFO with no writer reads as empty, never a hang).
    ``regular_only`` refuses anything but a regular file (``OSError`` EINVAL) before reading a
    byte. A directory is ``OSError`` (EISDIR).
    """
    nonblocking = regular_only or not wait_for_writer
    flags = os.O_RDONLY
    for extra in ("O_NOCTTY", "O_CLOEXEC", "O_BINARY", *(("O_NONBLOCK",) if nonblocking else ())):
        flags |= getattr(os, extra, 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise OSError(errno.EISDIR, "is a directory")
        regular = stat.S_ISREG(info.st_mode)
        if regular_only and not regular:
            raise OSError(errno.EINVAL, "not a regular file (a device, FIFO or socket)")
        if regular and info.st_size > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes")
        if nonblocking and not regular:
            os.set_blocking(fd, True)  # opened without waiting; now read what writers send
        # A regular file is read with a request of its size plus one (EOF in the same call), not
        # a 1 MiB request: allocating the big buffer cost more than checking a small message.
        first = info.st_size + 1 if regular else _CHUNK
        data = _read_stream(lambda size: os.read(fd, size), limit, first=first)
    finally:
        os.close(fd)
    if data is None:
        raise OSError(errno.EFBIG, f"larger than {limit} bytes")
    return data


def read_bounded(
    source: PathArg, cap: int, *, what: str = "input", allow_stdin: bool = False
) -> bytes:
    """The bytes of ``source``, at most ``cap`` of them, whatever kind of file it is.

    At most ``cap + 1`` bytes are ever read, so devices (``/dev/zero``), pipes and standard
    input are bounded like regular files. With ``allow_stdin``, ``"-"`` means standard input.
    Raises :class:`DataFileError` naming the file when it cannot be read or is over the cap.
    """
    label = display_name(source)
    stdin = allow_stdin and isinstance(source, str) and source == "-"
    stream = getattr(sys.stdin, "buffer", None) if stdin else None
    if stdin and stream is None:
        raise DataFileError(f"cannot read {what}: no standard input", file=label)
    try:
        data = _read_stream(stream.read, cap) if stream is not None else read_at_most(source, cap)
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            raise DataFileError(f"{what} is larger than {cap} bytes", file=label) from None
        raise DataFileError(f"cannot read {what}: {exc.strerror or exc}", file=label) from None
    except ValueError as exc:  # an embedded NUL character in the path
        raise DataFileError(f"cannot read {what}: {exc}", file=label) from None
    if data is None:
        raise DataFileError(f"{what} is larger than {cap} bytes", file=label)
    return data


def _reason(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    """True when two stat results are the same file (device and inode)."""
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _read_by_walk(path: str, folder: PathArg) -> bool:
    """Whether reading ``folder`` recursively reads ``path``: below it, no hidden name between.

    Mirrors ``secrules check``'s walk of a folder (hidden names skipped), with and without
    symbolic links resolved.
    """
    for there in {os.path.abspath(path), os.path.realpath(path)}:  # noqa: PTH100
        for root in {os.path.abspath(folder), os.path.realpath(folder)}:  # noqa: PTH100
            try:
                parts = Path(os.path.relpath(there, root)).parts
            except ValueError:  # another drive
                continue
            if parts and not any(part.startswith(".") for part in parts):
                return True
    return False


def _refuse_inputs(
    target: os.stat_result, inputs: Iterable[PathArg | None], label: str, path: str = ""
) -> None:
    for source in inputs:
        if source is None or (isinstance(source, str) and source == "-"):
            continue
        try:
            info = Path(source).stat()
        except (OSError, ValueError):
            continue  # an input that cannot be stat'ed is not the target
        inside = path and stat.S_ISDIR(info.st_mode) and _read_by_walk(path, source)
        if inside:
            raise DataFileError(
                f"refusing to overwrite a file in {display_name(source)}, a folder this "
                "command reads; choose another output file",
                file=label,
            )
        if same_file(info, target):
            raise DataFileError(
                f"refusing to overwrite {display_name(source)}, which this command reads; "
                "choose another output file",
                file=label,
            )


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the rename itself has happened
    finally:
        os.close(fd)


def _replace_atomically(path: str, payload: bytes, mode: int | None) -> None:
    """Write ``payload`` to a temporary file beside ``path``, sync it and rename it over."""
    real = Path(path).resolve()  # write through a symlink, not over it
    folder = real.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temp = folder / f".{real.name}.{os.urandom(6).hex()}.tmp"
        try:
            fd = os.open(temp, flags, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"no free temporary name in {folder}")
    try:
        try:
            if mode is not None:
                with contextlib.suppress(OSError):
                    os.fchmod(fd, mode)
            _write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, real)  # noqa: PTH105 - os.replace is the atomic step, named as such
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(folder)


def _output_target(
    path: str, inputs: Iterable[PathArg | None], label: str
) -> os.stat_result | None:
    """The stat of an output file about to be written (None if it does not exist yet).

    Refuses one of ``inputs``, an existing file inside a folder among them (the folder's walk
    would read it), or a folder (DataFileError naming ``label``).
    """
    try:
        info: os.stat_result | None = Path(path).stat()
    except FileNotFoundError:
        info = None
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot write: {_reason(exc)}", file=label) from None
    if info is not None:
        if stat.S_ISREG(info.st_mode):
            _refuse_inputs(info, inputs, label, path)
        else:
            _refuse_inputs(info, inputs, label)
        if stat.S_ISDIR(info.st_mode):
            raise DataFileError("cannot write: it is a folder", file=label)
    return info


def write_output(
    target: PathArg,
    data: str | bytes,
    *,
    inputs: Iterable[PathArg | None] = (),
    encoding: str = "utf-8",
) -> None:
    """Write ``data`` to the file ``target``, all or nothing.

    Refuses (``DataFileError``) when ``target`` is one of ``inputs`` (same device and inode, so
    another spelling, a symlink or a hard link is caught). A regular file is written to a
    temporary file in the same folder, synced and renamed over the target, so a failure leaves
    the old content whole and no temporary file behind; a device or pipe (``/dev/stdout``) is
    written in place. Every error names ``target``.
    """
    label = display_name(target)
    payload = printable(data).encode(encoding) if isinstance(data, str) else data
    path = os.fspath(target)
    info = _output_target(path, inputs, label)
    try:
        if info is not None and not stat.S_ISREG(info.st_mode):
            with open(path, "wb") as handle:  # noqa: PTH123 - a device or pipe, in place
                handle.write(payload)
        else:
            _replace_atomically(path, payload, None if info is None else stat.S_IMODE(info.st_mode))
    except OSError as exc:
        raise DataFileError(f"cannot write: {exc.strerror or exc}", file=label) from None
    except ValueError as exc:  # an embedded NUL character in the path
        raise DataFileError(f"cannot write: {exc}", file=label) from None


@contextlib.contextmanager
def stream_output(
    target: PathArg | None, *, inputs: Iterable[PathArg | None] = ()
) -> Iterator[Callable[[str], None]]:
    """A ``write(text)`` that streams a report to stdout (``target`` None or ``-``) or a file.

    Text is made printable as :func:`write_output` makes it. A regular file is written as it
    goes to a temporary file beside ``target`` and renamed over it when the block ends without
    an exception (all or nothing, as :func:`write_output`; an exception leaves the old content
    and no temporary file); a device or pipe is written in place. ``target`` may not be one of
    ``inputs``. Errors raise :class:`DataFileError` naming ``target``.
    """
    if target is None or (isinstance(target, str) and target == "-"):
        out: TextIO = sys.stdout

        def to_stdout(text: str) -> None:
            out.write(printable(text))

        yield to_stdout
        return
    label = display_name(target)
    path = os.fspath(target)
    info = _output_target(path, inputs, label)
    in_place = info is not None and not stat.S_ISREG(info.st_mode)
    real = Path(path).resolve()
    temp = real if in_place else real.parent / f".{real.name}.{os.urandom(6).hex()}.tmp"
    try:
        handle = open(temp, "w" if in_place else "x", encoding="utf-8")  # noqa: SIM115, PTH123
    except OSError as exc:
        raise DataFileError(f"cannot write: {exc.strerror or exc}", file=label) from None
    try:

        def to_file(text: str) -> None:
            handle.write(printable(text))

        with handle:
            yield to_file
            if not in_place:
                handle.flush()
                os.fsync(handle.fileno())
                if info is not None:
                    with contextlib.suppress(OSError):
                        os.chmod(temp, stat.S_IMODE(info.st_mode))  # noqa: PTH101
        if not in_place:
            os.replace(temp, real)  # noqa: PTH105 - the atomic step, named as such
            _fsync_folder(real.parent)
    except OSError as exc:
        if not in_place:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise DataFileError(f"cannot write: {exc.strerror or exc}", file=label) from None
    except BaseException:
        if not in_place:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise
