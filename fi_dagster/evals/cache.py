"""The persistent judgment cache: a verdict is paid for once, then read back.

A verdict is reused only when everything that could change it is the same: evaluator and
its version, judge model, prompt template (hash of its files), call parameters, and the
exact content judged. Only ``ok`` verdicts are kept; errors and budget skips are retried
by the next run. Rows live in the warehouse table ``fi_judgment_cache``.

A row records the tokens the verdict took and what they cost when it was judged (the
partition's price, overrides applied). A verdict read back was not paid for again: it has
no tokens and costs $0 in the partition that reuses it, and it is never repriced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fi_dagster.config import PriceOverride
from fi_dagster.evals.cost import judge_cost_usd
from fi_dagster.evals.judges.base import JudgeIdentity, JudgeRequest, JudgeVerdict
from fi_dagster.warehouse.tables import judgment_cache as TABLE

LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class CacheKey:
    evaluator: str
    evaluator_version: str
    judge_model: str
    template_hash: str
    params_hash: str
    content_hash: str

    @property
    def digest(self) -> str:
        return _sha256("\x1f".join(asdict(self).values()))


def cache_key(request: JudgeRequest, identity: JudgeIdentity) -> CacheKey:
    """The key of ``request`` as judged by the judge with ``identity``."""
    content = json.dumps(request.variables, sort_keys=True, ensure_ascii=False)
    return CacheKey(
        request.evaluator,
        request.evaluator_version,
        identity.model,
        identity.template_hash,
        identity.params_hash,
        _sha256(content),
    )


class JudgmentCache:
    """Verdicts by key in ``fi_judgment_cache`` (SQLite or PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        TABLE.create(engine, checkfirst=True)  # a warehouse opened before the table existed

    def lookup(self, keys: Sequence[CacheKey]) -> dict[str, JudgeVerdict]:
        """Cached verdicts by key digest: ``cached=True`` and no new tokens (nothing paid)."""
        digests = sorted({k.digest for k in keys})
        found: dict[str, JudgeVerdict] = {}
        columns = (TABLE.c.cache_key, TABLE.c.score, TABLE.c.reason)
        with self.engine.connect() as conn:
            for chunk in _chunks(digests, LOOKUP_CHUNK):
                query = sa.select(*columns).where(TABLE.c.cache_key.in_(chunk))
                for digest, score, reason in conn.execute(query):
                    found[digest] = JudgeVerdict(float(score), reason or "", "ok", cached=True)
        return found

    def store(
        self,
        entries: Sequence[tuple[CacheKey, JudgeVerdict]],
        partition_date: str,
        price_overrides: Sequence[PriceOverride] = (),
    ) -> int:
        """Keep the ``ok`` verdicts among ``entries``; a key already present is left as is.

        Each is priced at ``partition_date`` with ``price_overrides``, like its result row.
        """
        fresh = [(k, v) for k, v in entries if v.status == "ok" and not v.cached]
        rows = [_row(k, v, partition_date, price_overrides) for k, v in fresh]
        rows = list({r["cache_key"]: r for r in rows}.values())
        if not rows:
            return 0
        with self.engine.begin() as conn:
            conn.execute(_insert_ignoring_duplicates(self.engine.dialect.name), rows)
        return len(rows)


def _row(
    key: CacheKey,
    verdict: JudgeVerdict,
    partition_date: str,
    price_overrides: Sequence[PriceOverride],
) -> dict[str, Any]:
    tokens = (verdict.prompt_tokens, verdict.completion_tokens)
    return {
        "cache_key": key.digest,
        "partition_date": partition_date,
        **asdict(key),
        "score": verdict.score,
        "reason": verdict.reason,
        "prompt_tokens": tokens[0],
        "completion_tokens": tokens[1],
        "cost_usd": judge_cost_usd(key.judge_model, *tokens, partition_date, price_overrides),
        "created_at": datetime.now(UTC),
    }


def _insert_ignoring_duplicates(dialect: str) -> sa.Insert:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise NotImplementedError(
            f"the judgment cache supports SQLite and PostgreSQL, not {dialect}"
        )
    return insert(TABLE).on_conflict_do_nothing(index_elements=["cache_key"])


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
