"""The Luhn check that every demo card number passes."""

from __future__ import annotations

__all__ = ["luhn_ok"]


def luhn_ok(number: str) -> bool:
    """Whether a digit string passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
