"""What each attribute key means for the canonical row, worked out once per distinct key.

A day holds millions of attributes but only a few thousand distinct keys, so the role of a key
(a field it fills, an item of a flattened list, or nothing mapped) is computed the first time
the key is met and looked up afterwards with one dict access.
"""

from __future__ import annotations

from fi_dagster.traces import conventions as cv
from fi_dagster.traces import messages as msg

# Fields read from attributes: text fields, token counts, then the invocation parameters. Each
# lists its keys in order of preference.
TEXT_FIELDS = (
    cv.MODEL_KEYS,
    cv.PROVIDER_KEYS,
    cv.INPUT_VALUE_KEYS,
    cv.OUTPUT_VALUE_KEYS,
    cv.SESSION_KEYS,
    cv.USER_KEYS,
)
COUNT_FIELDS = (
    cv.PROMPT_TOKEN_KEYS,
    cv.COMPLETION_TOKEN_KEYS,
    cv.TOTAL_TOKEN_KEYS,
    cv.CACHED_PROMPT_TOKEN_KEYS,
    cv.REASONING_TOKEN_KEYS,
)
FIELDS = (*TEXT_FIELDS, *COUNT_FIELDS, cv.INVOCATION_PARAMETER_KEYS)
N_TEXT, N_FIELDS = len(TEXT_FIELDS), len(FIELDS)
PARAMS = N_FIELDS - 1  # read, and also kept in `attributes`
NO_RANK = max(len(keys) for keys in FIELDS)

UNMAPPED, FIELD, LIST_ITEM, CONSUMED = 0, 1, 2, 3
_FIELD_OF = {
    key: (field, rank) for field, keys in enumerate(FIELDS) for rank, key in enumerate(keys)
}
_CONSUMED = frozenset(cv.SPAN_KIND_KEYS)  # mapped to a column, not repeated in `attributes`
_PREFIXES = frozenset(msg.DOTTED_PREFIXES)
MAX_CACHED_KEYS = 200_000  # keys with ids in them must not grow the cache without bound

Role = tuple  # (UNMAPPED,) | (FIELD, field, rank, also_unmapped) | (LIST_ITEM, prefix, i, rest)


def role_of(key: str) -> Role:
    """The role of one attribute key (uncached)."""
    found = _FIELD_OF.get(key)
    if found is not None:
        return (FIELD, found[0], found[1], found[0] == PARAMS)
    if key in _CONSUMED:
        return (CONSUMED,)
    if key.startswith(msg.DOTTED_PREFIXES):
        end = key.find(".", key.find(".") + 1) + 1  # list prefixes have two or three parts
        if key[:end] not in _PREFIXES:
            end = key.find(".", end) + 1
        dot = key.find(".", end)
        index = key[end:dot]
        if end and dot > 0 and key[:end] in _PREFIXES and index.isdigit():
            return (LIST_ITEM, key[:end], int(index), key[dot + 1 :])
    return (UNMAPPED,)


class KeyRoles(dict):
    """``roles[key]`` → the key's role, computed on first use and remembered."""

    def __missing__(self, key: str) -> Role:
        role = role_of(key)
        if len(self) < MAX_CACHED_KEYS:
            self[key] = role
        return role
