"""Every file the tool reads or writes goes through here: bounded inputs, safe outputs, one CSV writer.

docs/conventions.md « Inputs, outputs and limits »:
- Inputs are regular files, or `-` for standard input; one declaration, one rules file or one batch line is at
  most `MAX_INPUT_BYTES` (1 MiB).  A device (`/dev/zero`), a FIFO or a directory is refused before a byte is
  read, and a read never takes more than the limit plus one byte, so memory stays bounded by the limit.
- Outputs (`--out`, `--rejected`, `--html`, `--csv DIR` files, `--cash-flow`…) are written by `OutputFile` /
  `safe_output`: into a temporary file in the target's directory, renamed over the target once complete.  A
  target that is a symbolic link, a device, a FIFO, a directory or one of the command's inputs is refused with
  an error naming the option (exit 2): an output never overwrites an input, never follows a link, never
  writes into a device.
- CSV files are written by `CsvWriter`: every text cell quoted, a text cell starting with = + - @, a tab, a
  carriage return or a line feed prefixed with `'`, and such a start after a `;`, `,`, tab or line break
  inside the cell too (`formula_safe`), so that a spreadsheet shows it as text and never runs it, whatever it
  splits on; the delimiter, the decimal comma and a BOM are options (the French spreadsheet form is `;`,
  `,` and a BOM).

It must never write a file in place, nor read more than the limit it is given.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO

from .errors import InputFileError

MAX_INPUT_BYTES = 1 << 20  # one declaration, one rules file, one batch line
STDIN = "-"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_BUFFER = 1 << 20


# -- inputs ----------------------------------------------------------------------------------------------------


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: Path | str, *, what: str = "file") -> BinaryIO:
    """Open a regular file for reading, or raise `InputFileError` saying why not.

    The file is opened without blocking (a FIFO with no writer would hang an ordinary open) and its type is
    checked on the open descriptor, so a link swapped in between cannot slip a device through.
    """
    name = str(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputFileError(name, "no such file") from None
    except IsADirectoryError:
        raise InputFileError(name, f"is a directory, not a {what}") from None
    except OSError as exc:
        raise InputFileError(name, f"cannot be read ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = _kind_of_mode(mode)
        raise InputFileError(name, f"is {kind}, not a {what} (give a regular file, or - for standard input)")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def read_limited(binary: IO[bytes], source: str, limit: int = MAX_INPUT_BYTES, *, what: str = "file") -> bytes:
    """At most `limit` bytes of `binary`; more is an `InputFileError` (never more than limit + 1 read)."""
    data = binary.read(limit + 1)
    if len(data) > limit:
        raise InputFileError(source, f"is larger than {_size(limit)}, the limit for {what}")
    return data


def read_input(path: str, *, what: str = "a declaration file", limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular FILE, or of standard input for `-`, at most `limit` of them."""
    if path == STDIN:
        return read_limited(sys.stdin.buffer, "<stdin>", limit, what=what)
    with open_regular(path, what=what.removeprefix("a ")) as binary:
        return read_limited(binary, path, limit, what=what)


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit} bytes"


def file_identity(path: Path | str) -> tuple[int, int] | None:
    """(device, inode) of an existing file, following links; None when there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def database_files(url: Any) -> tuple[str, ...]:
    """The files of a SQLite database URL (a SQLAlchemy `URL`), which no output may overwrite; none for a server.
    """
    database = getattr(url, "database", None)
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return ()
    return (database, f"{database}-wal", f"{database}-journal")


# -- outputs ---------------------------------------------------------------------------------------------------


def check_output(path: Path, option: str, inputs: Iterable[Path | str] = ()) -> None:
    """Refuse an output target that is a link, a device, a FIFO, a directory, or one of `inputs`."""
    where = f"{option} {path}"
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputFileError(where, f"cannot be written ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise InputFileError(where, "is a symbolic link; outputs never follow links: give the file's own path")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(where, f"is {_kind_of_mode(st.st_mode)}; an output is written as a regular file")
    target = (st.st_dev, st.st_ino)
    if any(file_identity(i) == target for i in inputs if str(i) != STDIN):
        raise InputFileError(where, "is an input of this command; an output never overwrites an input")


_COUNTER = itertools.count(1)


def _sweep_stale_parts(path: Path) -> None:
    """Remove the temporary files a killed process left beside `path` (`.NAME.PID-N.part`, PID not alive)."""
    prefix = f".{path.name}."
    try:
        names = [n for n in os.listdir(path.parent or ".") if n.startswith(prefix) and n.endswith(".part")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):-len(".part")].partition("-")[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with suppress(OSError):
            (path.parent / name).unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


class OutputFile:
    """A file being written safely: a temporary file beside `path`, renamed over it by `commit()`.

    `discard()` (or leaving a `with` block by an error) removes the temporary file; the target is untouched
    until the commit.  The temporary file is `.NAME.PID-N.part`: concurrent writers never share one, and the
    ones a killed process left are removed by the next writer of the same target.
    """

    def __init__(self, path: Path, option: str, *, inputs: Iterable[Path | str] = (), binary: bool = False,
                 buffering: int = -1) -> None:
        self.path = Path(path)
        self.option = option
        self.inputs = tuple(inputs)
        check_output(self.path, option, self.inputs)
        _sweep_stale_parts(self.path)
        self.temp = self.path.with_name(f".{self.path.name}.{os.getpid()}-{next(_COUNTER)}.part")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.temp, flags, 0o666)
        except OSError as exc:
            raise InputFileError(self.where, f"cannot be written ({exc.strerror})") from None
        mode = "wb" if binary else "w"
        self.file: IO[Any] = (os.fdopen(fd, mode, buffering=buffering) if binary else
                              os.fdopen(fd, mode, encoding="utf-8", newline="", buffering=buffering))

    @property
    def where(self) -> str:
        return f"{self.option} {self.path}"

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Turn a failed write (a full disk, an I/O error) into an error naming the option and file."""
        try:
            yield
        except OSError as exc:
            raise InputFileError(self.where, f"cannot be written ({exc.strerror or type(exc).__name__})") from None

    def commit(self) -> None:
        """Close the temporary file and put it in place under the target's name."""
        with self.writing():
            self.file.close()
        check_output(self.path, self.option, self.inputs)  # again: the target may have changed meanwhile
        with self.writing():
            os.replace(self.temp, self.path)

    def discard(self) -> None:
        """Close and remove the temporary file; the target is left as it was."""
        with suppress(OSError):
            self.file.close()
        with suppress(OSError):
            self.temp.unlink(missing_ok=True)

    def __enter__(self) -> OutputFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self.commit()
        else:
            self.discard()


@contextmanager
def safe_output(path: Path, option: str, *, inputs: Iterable[Path | str] = (), binary: bool = False,
                buffering: int = -1) -> Iterator[IO[Any]]:
    """Write `path` safely (see `OutputFile`): `with safe_output(p, "--html") as f: f.write(...)`."""
    output = OutputFile(path, option, inputs=inputs, binary=binary, buffering=buffering)
    try:
        with output.writing():
            yield output.file
    except BaseException:
        output.discard()
        raise
    output.commit()


def write_text_file(path: Path, option: str, text: str, *, inputs: Iterable[Path | str] = ()) -> None:
    """Write a whole text file safely (see `OutputFile`)."""
    with safe_output(path, option, inputs=inputs) as file:
        file.write(text)


def output_dir(directory: Path, option: str) -> Path:
    """A directory for output files (`--csv DIR`), created if needed; a link, a file or a device is refused."""
    where = f"{option} {directory}"
    try:
        st = os.lstat(directory)
    except FileNotFoundError:
        try:
            directory.mkdir(parents=True)
        except OSError as exc:
            raise InputFileError(where, f"cannot be created ({exc.strerror})") from None
        return directory
    if stat.S_ISLNK(st.st_mode):
        raise InputFileError(where, "is a symbolic link; outputs never follow links: give the directory itself")
    if not stat.S_ISDIR(st.st_mode):
        raise InputFileError(where, f"is {'a file' if stat.S_ISREG(st.st_mode) else _kind_of_mode(st.st_mode)}, "
                                    "not a directory")
    return directory


# -- CSV -------------------------------------------------------------------------------------------------------


# Inside a cell, a formula start right after a character that some spreadsheet splits on (`;` for French
# Excel, `,`, a tab, a line break), spaces allowed between: `X;=1+1` read by a `;` splitter is two cells.
_INNER_FORMULA = re.compile(r"([;,\t\r\n][ \t]*)([=+\-@])")


def formula_safe(cell: str) -> str:
    """A text cell a spreadsheet shows as text, never runs as a formula, whatever delimiter it splits on.

    A cell starting with = + - @, a tab, a carriage return or a line feed is prefixed with `'`; inside the
    cell, such a start right after `;`, `,`, a tab or a line break gets a `'` too.

    >>> formula_safe("=HYPERLINK(1)"), formula_safe("-5"), formula_safe("GEN-1"), formula_safe("")
    ("'=HYPERLINK(1)", "'-5", 'GEN-1', '')
    >>> formula_safe("X;=1+1"), formula_safe("FAB-75; @SUM(1)"), formula_safe("a, b")
    ("X;'=1+1", "FAB-75; '@SUM(1)", 'a, b')
    """
    if _INNER_FORMULA.search(cell):
        cell = _INNER_FORMULA.sub(r"\1'\2", cell)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


class CsvWriter:
    """The one CSV writer of the tool: every text cell quoted and formula-safe, numbers as numbers.

    Cells: `str` (quoted, `formula_safe`), `int` and `Decimal` (unquoted numbers; with `decimal_comma` a
    Decimal is written `6335,00`, quoted so that no delimiter can split it), `bool` (`true`/`false`, quoted),
    `None` (empty).  The header row is written unquoted (it is the tool's own words).  `delimiter` is `,` by
    default (`;` for the French spreadsheet form); `bom` starts the file with a UTF-8 byte-order mark.
    """

    def __init__(self, file: IO[str], *, delimiter: str = ",", decimal_comma: bool = False, bom: bool = False):
        if delimiter in ('"', "'", "\r", "\n") or len(delimiter) != 1:
            raise ValueError(f"unusable CSV delimiter {delimiter!r}")
        if decimal_comma and delimiter == ",":
            raise ValueError("a decimal comma needs another delimiter than ','")
        self.file = file
        self.decimal_comma = decimal_comma
        if bom:
            file.write("\ufeff")
        self._cells = csv.writer(file, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        self._header = csv.writer(file, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)

    def cell(self, value: object) -> object:
        """One value as the csv module should write it (see the class docstring)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal):
            return str(value).replace(".", ",") if self.decimal_comma else value
        return formula_safe(str(value))

    def header(self, names: Sequence[str]) -> None:
        self._header.writerow([formula_safe(n) for n in names])

    def row(self, cells: Iterable[object]) -> None:
        self._cells.writerow([self.cell(c) for c in cells])

    def rows(self, rows: Iterable[Iterable[object]]) -> None:
        for cells in rows:
            self.row(cells)


def write_csv_file(path: Path, option: str, header: Sequence[str], rows: Iterable[Iterable[object]], *,
                   delimiter: str = ",", decimal_comma: bool = False, bom: bool = False,
                   inputs: Iterable[Path | str] = ()) -> None:
    """Write one whole CSV file safely: the header, then the rows (see `CsvWriter` and `OutputFile`)."""
    with safe_output(path, option, inputs=inputs) as file:
        writer = CsvWriter(file, delimiter=delimiter, decimal_comma=decimal_comma, bom=bom)
        writer.header(header)
        writer.rows(rows)
