"""Finds and masks personal data and secrets in text: e-mails, phones, cards, API keys.

The same detectors decide the ``PIIInOutput`` evaluator and redact trace text before it
is sent to an external judge, so what is flagged is what is masked. Matches are
deliberately conservative: card numbers must pass the Luhn check, phone numbers need
10-15 digits written with a separator or a leading ``+``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

_KEY = re.compile(
    r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}"
    r"|\bAKIA[0-9A-Z]{16}\b"
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}"
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"
    r"|\bAIza[0-9A-Za-z_-]{35}"
    r"|\b[Bb]earer\s+[A-Za-z0-9._~+/-]{20,}=*"
    r"|(?i:\b(?:api[_-]?key|secret|password|access[_-]?token)\b[\"']?\s*[:=]\s*[\"']?)"
    r"[^\s\"',;]{8,}"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_PHONE = re.compile(r"(?<![\w+/.-])(?:\+\d|\(\d|\d)[\d\s().-]{7,20}\d(?![\w-])")


@dataclass(frozen=True)
class Detector:
    kind: str  # e.g. "email address"; also the placeholder's name
    placeholder: str
    pattern: re.Pattern[str]
    accept: Callable[[str], bool] = lambda _match: True


def _luhn(match: str) -> bool:
    digits = [int(c) for c in match if c.isdigit()]
    total = sum(digits[-1::-2]) + sum(sum(divmod(2 * d, 10)) for d in digits[-2::-2])
    return 13 <= len(digits) <= 19 and total % 10 == 0


def _phone(match: str) -> bool:
    digits = sum(c.isdigit() for c in match)
    written = match.startswith("+") or any(c in match for c in " ().-")
    date_like = re.search(r"\d{4}-\d{2}-\d{2}", match) is not None
    return 10 <= digits <= 15 and written and not date_like


DETECTORS = (  # keys first: they may contain digits and @-free text the others would eat
    Detector("API key", "[API_KEY]", _KEY),
    Detector("email address", "[EMAIL]", _EMAIL),
    Detector("card number", "[CARD_NUMBER]", _CARD, _luhn),
    Detector("phone number", "[PHONE]", _PHONE, _phone),
)


def find_pii(text: str) -> Counter[str]:
    """How many of each kind of personal data or secret ``text`` contains."""
    found: Counter[str] = Counter()
    for detector in DETECTORS:
        text, count = _mask(detector, text)
        if count:
            found[detector.kind] += count
    return found


def redact(text: str) -> str:
    """``text`` with every detected item replaced by a typed placeholder such as [EMAIL]."""
    for detector in DETECTORS:
        text, _ = _mask(detector, text)
    return text


def describe(found: Counter[str]) -> str:
    """``2 email addresses, 1 card number``: kinds and counts, never the values."""
    return ", ".join(f"{n} {_plural(kind, n)}" for kind, n in sorted(found.items()))


def _plural(kind: str, n: int) -> str:
    if n == 1:
        return kind
    return kind + ("es" if kind.endswith("s") else "s")


def _mask(detector: Detector, text: str) -> tuple[str, int]:
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if not detector.accept(match.group(0)):
            return match.group(0)
        count += 1
        return detector.placeholder

    return detector.pattern.sub(replace, text), count
