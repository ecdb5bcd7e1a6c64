"""Salesforce record ids: 15-character case-sensitive ids and their 18-character case-safe form.

An id is ``<3-char key prefix><12 chars>``; the 18-character form appends a 3-character checksum
that encodes which of the first 15 characters are upper case, so ids survive case-insensitive
systems. We generate ``prefix + pod(2) + '0' + base62 counter(9)``, like real ids.
"""
from __future__ import annotations

import functools
import re
import string

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_CHECKSUM = string.ascii_uppercase + "012345"
_ID_CHARS = frozenset(string.ascii_letters + string.digits)
POD = "5g"
MAX_NUMBER = 62 ** 9  # record numbers take 9 base-62 digits; past that ids would wrap around


# Each character as "1" (upper case) or "0": a 5-character chunk read backwards is its bits.
_CASE_BITS = str.maketrans({char: "1" if char.isupper() else "0" for char in _ID_CHARS})


@functools.lru_cache(maxsize=1 << 16)
def _checksum(id15: str) -> str:
    # Cached: a write checks the same ids several times (read ahead, looked up, normalised).
    bits = id15.translate(_CASE_BITS)
    return (_CHECKSUM[int(bits[4::-1], 2)] + _CHECKSUM[int(bits[9:4:-1], 2)]
            + _CHECKSUM[int(bits[14:9:-1], 2)])


_PAIRS = [high + low for high in _BASE62 for low in _BASE62]  # two base-62 digits at a time


def make_id(prefix: str, number: int) -> str:
    """The 18-character id of record ``number`` of an object with key ``prefix``."""
    number, fourth = divmod(number, 3844)
    number, third = divmod(number, 3844)
    number, second = divmod(number, 3844)
    number, first = divmod(number, 3844)
    id15 = (f"{prefix}{POD}0{_BASE62[number % 62]}{_PAIRS[first]}{_PAIRS[second]}"
            f"{_PAIRS[third]}{_PAIRS[fourth]}")
    return id15 + _checksum(id15)


# For make_ids: each pair's part of the third checksum character (it holds characters 13-14).
_PAIR_BITS = [(high.isupper() << 3) | (low.isupper() << 4) for high in _BASE62 for low in _BASE62]


def make_ids(prefix: str, first: int, count: int) -> list[str]:
    """``make_id(prefix, n)`` for ``count`` numbers from ``first``, made a block of 3,844 (the
    last two digits) at a time."""
    made: list[str] = []
    number, stop = first, first + count
    while number < stop:
        low = number % 3844
        high = min(stop - number, 3844 - low)
        block = make_id(prefix, number - low)[:13]  # all but the last two digits
        head = block[10:13].translate(_CASE_BITS)
        head_bits = int(head[::-1], 2)
        known = _checksum(block + "00")[:2]  # characters 0-9 decide the first two
        made.extend([block + pair + known + _CHECKSUM[head_bits | bits] for pair, bits in
                     zip(_PAIRS[low:low + high], _PAIR_BITS[low:low + high])])
        number += high
    return made


def record_number(record_id: str) -> int:
    """The record number ``make_id`` encoded in an id (its nine base-62 digits)."""
    number = 0
    for char in record_id[6:15]:
        number = number * 62 + _BASE62.index(char)
    return number


_ID_SHAPE = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")  # 15 or 18 of _ID_CHARS


def is_valid(value: object) -> bool:
    """True for a well-formed 15- or 18-character id (18 with a matching checksum)."""
    if not isinstance(value, str) or not _ID_SHAPE.fullmatch(value):
        return False
    return len(value) == 15 or _checksum(value[:15]) == value[15:].upper()


def to18(value: str) -> str:
    """Normalise a 15- or 18-character id to its 18-character form (raises ValueError if bad)."""
    if not is_valid(value):
        raise ValueError(f"malformed id {value!r}")
    id15 = value[:15]
    return id15 + _checksum(id15)


def prefix_of(value: str) -> str:
    """The key prefix (first three characters) of an id."""
    return value[:3]
