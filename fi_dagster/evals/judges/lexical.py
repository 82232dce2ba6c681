"""Word- and sentence-level text helpers behind the offline heuristic judge."""

from __future__ import annotations

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
REFUSALS = (
    "i'm sorry",
    "i am sorry",
    "i can't",
    "i cannot",
    "unable to",
    "couldn't complete",
    "could not complete",
)
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_IDENTIFIER = re.compile(r"[\w.-]*\d[\w.-]*")


def content_words(text: str) -> set[str]:
    """Lowercase alphanumeric words of length >= 4 that are not stopwords."""
    return {w for w in _WORD.findall(text.lower()) if len(w) >= 4 and w not in STOPWORDS}


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def is_refusal(text: str) -> bool:
    normalized = text.lower().replace("\u2019", "'")
    return any(phrase in normalized for phrase in REFUSALS)


def identifiers(text: str) -> set[str]:
    """Tokens containing a digit (order numbers, ids, amounts), edge punctuation removed."""
    found = (m.strip(".-_") for m in _IDENTIFIER.findall(text))
    return {token.lower() for token in found if any(c.isdigit() for c in token)}
