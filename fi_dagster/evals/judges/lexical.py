"""Word- and sentence-level text helpers behind the offline heuristic judge."""

from __future__ import annotations

import contextlib
import re

STOPWORDS = frozenset(
    {
        "about",
        "after",
        "again",
        "also",
        "been",
        "before",
        "being",
        "because",
        "could",
        "does",
        "each",
        "from",
        "have",
        "here",
        "into",
        "just",
        "more",
        "most",
        "only",
        "other",
        "over",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "very",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
    }
)
REFUSALS = (  # first person, so "if you are unable to log in" is not a refusal
    "i'm sorry",
    "i am sorry",
    "i apologise",
    "i apologize",
    "i can't",
    "i cannot",
    "i can not",
    "i'm unable to",
    "i am unable to",
    "i'm not able to",
    "i am not able to",
    "i won't be able to",
    "couldn't complete",
    "could not complete",
    "as an ai",
)
# Capitalised words that are not names a text could invent.
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august")
MONTHS += ("september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
COMMON_CAPITALISED = frozenset(("i", *MONTHS, *WEEKDAYS))
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_IDENTIFIER = re.compile(r"[\w.-]*\d[\w.-]*")
_NAME = re.compile(r"[A-Z][A-Za-z]+|[A-Z]{2,}")
_NUMBER = re.compile(r"\d[\d,.]*")


def content_words(text: str) -> set[str]:
    """Lowercase alphanumeric words of length >= 4 that are not stopwords."""
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 4 and w not in STOPWORDS}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def refusal_phrase(text: str) -> str | None:
    """The first refusal phrase in ``text`` (case-insensitive, curly apostrophes too)."""
    normalized = text.lower().replace("\u2019", "'")
    return next((phrase for phrase in REFUSALS if phrase in normalized), None)


def is_refusal(text: str) -> bool:
    return refusal_phrase(text) is not None


def identifiers(text: str) -> set[str]:
    """Tokens containing a digit (order numbers, ids, amounts), edge punctuation removed."""
    found = (m.strip(".-_") for m in _IDENTIFIER.findall(text))
    return {token.lower() for token in found if any(c.isdigit() for c in token)}


def names(text: str) -> set[str]:
    """Capitalised words that do not start a sentence (people, places, products), lowercased.

    Months, weekdays and "I" are not names.
    """
    found = set()
    for sentence in sentences(text):
        for word in re.findall(r"[A-Za-z]+", sentence)[1:]:
            if _NAME.fullmatch(word) and word.lower() not in COMMON_CAPITALISED:
                found.add(word.lower())
    return found


def specifics(text: str) -> set[str]:
    """Names, numbers and identifiers: the details a made-up claim tends to carry."""
    return identifiers(text) | names(text)


def number_forms(text: str) -> set[str]:
    """Every way the numbers in ``text`` may be written elsewhere.

    A number matches by its digits without separators or leading zeros ("$12.34" and
    "1234" cents) or by value ("5,830.50" and "5830.5").
    """
    return set().union(*_numbers(text))


def _numbers(text: str) -> list[set[str]]:
    """The forms of each number in ``text``, in order."""
    found = []
    for raw in _NUMBER.findall(text):
        token = raw.rstrip(".,")
        forms = {re.sub(r"\D", "", token).lstrip("0") or "0"}
        with contextlib.suppress(ValueError):
            forms.add(repr(float(token.replace(",", ""))))
        found.append(forms)
    return found


def mentioned_in(token: str, text: str, text_numbers: set[str]) -> bool:
    """Whether ``token`` (a specific) appears in ``text``, numbers compared by value."""
    if token in text.lower():
        return True
    numbers = _numbers(token)  # "2024-06-02" needs 2024, 6 and 2 all present
    return bool(numbers) and all(forms & text_numbers for forms in numbers)
