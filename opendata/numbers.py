"""The one parser of numbers written in requests: ASCII digits only, within 64-bit range.

Python's int() and float() also accept full-width and Arabic-Indic digits, `1_0`, spaces and
`NaN`; SQLite stores integers in 64 bits and refuses larger ones with an exception. Every
integer or number a client sends (API filters and paging, CKAN's rows and start, DCAT pages)
goes through here, so they all accept the same spellings. Callers turn ValueError into their
own error type, naming the parameter.
"""

from __future__ import annotations

import math
import re

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")


def parse_int(text: str, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int:
    """`text` as an integer in [minimum, maximum]: an optional minus and ASCII digits, nothing else."""
    if not isinstance(text, str) or not _INTEGER.fullmatch(text):
        raise ValueError(f"{text!r} is not a whole number written in ASCII digits")
    value = int(text)
    if value < minimum:
        raise ValueError(f"{text} is below the smallest allowed value, {minimum}")
    if value > maximum:
        raise ValueError(f"{text} is over the largest allowed value, {maximum}")
    return value


def parse_number(text: str) -> int | float:
    """`text` as a finite number: an integer within 64 bits stays an int, anything else a float."""
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number written in ASCII digits")
    if _INTEGER.fullmatch(text):
        value = int(text)
        if INT64_MIN <= value <= INT64_MAX:
            return value
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is too large")
    return number
