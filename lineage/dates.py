"""Partial dates (``2023``, ``2023-03``, ``2023-03-13``): checking and comparing.

Standard library only, so queries can check a ``--since`` or ``--as-of`` bound
without importing the record models.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["check_partial_date", "date_key", "date_in_bound"]

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def check_partial_date(value: str) -> str:
    """Return ``value`` stripped when it is a year, a year-month or a calendar date.

    >>> check_partial_date(" 2023-03 ")
    '2023-03'
    >>> check_partial_date("2023-13")
    Traceback (most recent call last):
    ...
    ValueError: '2023-13' has month 13; months run 01-12
    """
    m = _DATE_RE.match(value.strip())
    if not m:
        raise ValueError(
            f"{value!r} is not a date; write a year (2023), a year-month (2023-03) "
            "or a full date (2023-03-13)"
        )
    year, month, day = m.groups()
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"{value!r} has month {month}; months run 01-12")
    if day is not None:
        try:
            _dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date") from None
    return value.strip()


def date_key(value: str | None) -> tuple[int, ...] | None:
    """Return a comparable tuple for a partial date ("2023-03" -> (2023, 3))."""
    if not value:
        return None
    return tuple(int(p) for p in value.split("-"))


def date_in_bound(date: str | None, lo: str | None, hi: str | None) -> bool:
    """Is ``date`` within ``[lo, hi]``, compared at the precision both share?

    Undated records are outside any bound.

    >>> date_in_bound("2023-11", "2023", None), date_in_bound("2022", "2023-01", None)
    (True, False)
    """
    if lo is None and hi is None:
        return True
    if not date:
        return False
    if lo is not None:
        n = min(len(date), len(lo))
        if date[:n] < lo[:n]:
            return False
    if hi is not None:
        n = min(len(date), len(hi))
        if date[:n] > hi[:n]:
            return False
    return True
