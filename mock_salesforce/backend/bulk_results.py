"""A Bulk API 2.0 query job's results, written once when the job completes.

A real org builds a query job's result files while the job runs: once it is ``JobComplete``
its results no longer change, however the records change afterwards. The mock writes the CSV
of every matching row to a temporary file (``Spool``) as soon as the Id snapshot is done, and
pages are read back from it by row offsets, so re-reading a finished job's results returns the
same bytes. The file is removed with the job (or the process); a job aborted or dropped while
its file is being written stops writing and removes it (``cancel``).
"""
from __future__ import annotations

import os
import tempfile
import threading
from array import array
from itertools import accumulate
from collections.abc import Iterator

READ_BYTES = 1 << 20


class Spool:
    """The CSV rows of one job, on disk: header, rows, and where each row starts."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="bulk-results-")
        self._offsets = array("Q")
        self._size = 0
        self.header = b""
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._cancelled = threading.Event()

    @property
    def rows(self) -> int:
        """Rows written."""
        return len(self._offsets)

    def write(self, header: str, row_chunks: Iterator[list[str]]) -> None:
        """Write the header, then every chunk of CSV lines (one line a row)."""
        try:
            self.header = header.encode()
            for lines in row_chunks:
                if self._cancelled.is_set():
                    break
                text = "".join(lines)
                data = text.encode()
                # ASCII text (the usual) has as many bytes as characters: no line encoded twice.
                sizes = map(len, lines) if len(data) == len(text) else \
                    (len(line.encode()) for line in lines)
                ends = list(accumulate(sizes, initial=self._size))
                self._offsets.extend(ends[:-1])
                self._size = ends[-1]
                self._file.write(data)
            self._file.flush()
        except BaseException as error:  # noqa: BLE001 - reported as the job's failure
            self.error = error
        finally:
            if self._cancelled.is_set():
                self._file.close()
            self.done.set()

    @property
    def cancelled(self) -> bool:
        """Whether the writing was stopped (``cancel``)."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stop writing and remove the file if it is still being written (a finished file stays
        while pages are read from it, and goes with the spool)."""
        self._cancelled.set()

    def page(self, start: int, stop: int) -> Iterator[bytes]:
        """The header and the rows ``[start, stop)``, a megabyte at a time."""
        yield self.header
        if start >= stop:
            return
        position = self._offsets[start]
        end = self._offsets[stop] if stop < len(self._offsets) else self._size
        fd = self._file.fileno()
        while position < end:
            chunk = os.pread(fd, min(READ_BYTES, end - position), position)
            if not chunk:
                break
            position += len(chunk)
            yield chunk

    def close(self) -> None:
        """Remove the file."""
        self._file.close()
