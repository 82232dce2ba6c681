"""Who sends each synthetic trace: route, tenant, model, prompt version, user and session.

Shares are skewed like a real customer base: one big tenant, a long tail of small ones.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from itertools import accumulate

COHORT_DIMENSIONS = ("route", "tenant", "model", "prompt_version")

GPT_4O_MINI = "gpt-4o-mini-2024-07-18"
GPT_4O = "gpt-4o-2024-08-06"
CLAUDE_SONNET = "claude-3-5-sonnet-20241022"

TENANTS = (("acme", 38), ("globex", 24), ("initech", 16), ("northwind", 13), ("umbrella", 9))
ROUTES = (("support_agent", 40), ("rag_qa", 40), ("extract_invoice", 20))
ROUTE_MODELS = {
    "support_agent": ((GPT_4O, 50), (CLAUDE_SONNET, 30), (GPT_4O_MINI, 20)),
    "rag_qa": ((GPT_4O_MINI, 60), (GPT_4O, 20), (CLAUDE_SONNET, 20)),
    "extract_invoice": ((GPT_4O_MINI, 55), (GPT_4O, 45)),
}
ROUTE_PROMPT_VERSIONS = {
    "support_agent": (("v3", 30), ("v4", 70)),
    "rag_qa": (("v7", 50), ("v8", 50)),
    "extract_invoice": (("v1", 20), ("v2", 80)),
}
_USERS_PER_WEIGHT = 12  # a tenant with weight 38 has 456 users
_SESSIONS_PER_USER_DAY = 3


@dataclass(frozen=True, slots=True)
class TraceCohort:
    """The cohort a trace belongs to, plus the user and session that sent it."""

    route: str
    tenant: str
    model: str
    prompt_version: str
    user_id: str
    session_id: str

    def value(self, dimension: str) -> str:
        """The trace's value for a cohort dimension (``route``, ``tenant``, ...)."""
        return getattr(self, dimension)


class WeightedChoice:
    """Draw one name from ``(name, weight)`` pairs."""

    def __init__(self, table: tuple[tuple[str, int], ...]) -> None:
        self.names = [name for name, _ in table]
        self._cum = list(accumulate(weight for _, weight in table))

    def __call__(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self._cum)[0]


_TENANT = WeightedChoice(TENANTS)
_ROUTE = WeightedChoice(ROUTES)
_MODEL = {route: WeightedChoice(table) for route, table in ROUTE_MODELS.items()}
_VERSION = {route: WeightedChoice(table) for route, table in ROUTE_PROMPT_VERSIONS.items()}
_USERS = dict(TENANTS)


def draw_cohort(rng: random.Random, day: str) -> TraceCohort:
    """Pick who sends the next trace of ``day``."""
    route, tenant = _ROUTE(rng), _TENANT(rng)
    user = f"{tenant}-user-{rng.randrange(_USERS[tenant] * _USERS_PER_WEIGHT):04d}"
    session_key = f"{user}|{day}|{rng.randrange(_SESSIONS_PER_USER_DAY)}".encode()
    session = "sess_" + hashlib.blake2s(session_key, digest_size=8).hexdigest()
    return TraceCohort(route, tenant, _MODEL[route](rng), _VERSION[route](rng), user, session)
