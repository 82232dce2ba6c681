"""Route ``rag_qa``: embed the question, retrieve help articles, answer from them.

A grounded answer copies (or lightly rewords) sentences of the retrieved articles; a
hallucinated one carries a claim none of them makes.
"""

from __future__ import annotations

import random
from typing import Any

from fi_dagster.demo import semconv as oi
from fi_dagster.demo.llm import LlmReply, LlmRequest, call_llm
from fi_dagster.demo.scenarios.knowledge_base import (
    FABRICATED_CLAIMS,
    TOPICS,
    Topic,
    content_words,
    support,
)
from fi_dagster.demo.trace_context import TraceContext

ROUTE = "rag_qa"
ROOT_KIND = "CHAIN"
SERVICE = "help-center-api"
SCOPE = "openinference.instrumentation.llama_index"
HALLUCINATION_RATE = 0.04
EMBEDDING_MODEL = "text-embedding-3-small"
MAX_FABRICATED_SUPPORT = 0.3
_REWORDINGS = ((" can ", " may "), (" must ", " has to "), ("The ", "Our "))
TEMPLATES = {
    "v7": "Answer the question using only the context below. If the answer is not in the "
    "context, say you don't know.\n\nContext:\n{context}",
    "v8": "You are Nimbus Help. Answer in two or three sentences, staying close to the wording "
    "of the context. Never invent policies, prices or deadlines.\n\nContext:\n{context}",
}
Document = tuple[str, str, float]


def rag_qa(ctx: TraceContext) -> dict[str, Any]:
    """Build one RAG trace; returns its ground-truth labels."""
    rng = ctx.rng
    topic = rng.choice(TOPICS)
    question = rng.choice(topic.questions)
    embed = {oi.EMBEDDING_MODEL_NAME: EMBEDDING_MODEL, oi.EMBEDDING_TEXT: question}
    embed[oi.INPUT_VALUE] = question
    ctx.step("embed_query", "EMBEDDING", SCOPE, ctx.step_ms("embed_query", 45.0, 0.5), embed)
    docs = _retrieve(rng, topic)
    retrieved = {oi.INPUT_VALUE: question, **oi.documents(docs)}
    ctx.step(
        "retrieve_docs", "RETRIEVER", SCOPE, ctx.step_ms("retrieve_docs", 90.0, 0.6), retrieved
    )
    hallucinated = ctx.fails(HALLUCINATION_RATE)
    answer = _answer(rng, topic, docs, hallucinated)
    template = TEMPLATES[ctx.cohort.prompt_version]
    context = "\n\n".join(f"[{doc_id}] {content}" for doc_id, content, _ in docs)
    request = LlmRequest(
        "rag_answer_llm",
        template,
        [("system", template.format(context=context)), ("user", question)],
        hidden_prompt_tokens=rng.randint(60, 400),
    )
    span = call_llm(ctx, request, LlmReply(answer))
    if span.failed:
        return ctx.finish(question, None, {"grounded": None, "answered": False}, span.error)
    return ctx.finish(question, answer, {"grounded": not hallucinated, "answered": True})


def _retrieve(rng: random.Random, topic: Topic) -> list[Document]:
    """The topic's two articles plus one to three near misses, best score first."""
    others = rng.sample([t for t in TOPICS if t is not topic], rng.randint(1, 3))
    docs = [
        (f"kb-{topic.key}", " ".join(topic.article), rng.uniform(0.82, 0.93)),
        (f"kb-{topic.key}-related", " ".join(topic.related), rng.uniform(0.70, 0.82)),
    ]
    docs += [(f"kb-{t.key}", " ".join(t.article), rng.uniform(0.45, 0.68)) for t in others]
    return [(doc_id, text, round(score, 4)) for doc_id, text, score in docs]


def _answer(rng: random.Random, topic: Topic, docs: list[Document], hallucinated: bool) -> str:
    """Two to four article sentences; a hallucinated answer is mostly made-up claims.

    Two fabricated claims follow at most one true sentence, so most of its sentences are
    unsupported by the documents.
    """
    picked = [0, *sorted(rng.sample(range(1, len(topic.article)), rng.randint(1, 2)))]
    sentences = [_reword(rng, topic.article[i]) for i in picked]
    if rng.random() < 0.3:
        sentences.append(rng.choice(topic.related))
    if hallucinated:
        doc_words = set().union(*(content_words(text) for _, text, _ in docs))
        claims = [c for c in FABRICATED_CLAIMS if support(c, doc_words) <= MAX_FABRICATED_SUPPORT]
        sentences = sentences[: rng.randint(0, 1)] + rng.sample(claims, 2)
    return " ".join(sentences)


def _reword(rng: random.Random, sentence: str) -> str:
    """Swap a short word or two, keeping every content word of the source sentence."""
    for old, new in _REWORDINGS:
        if old in sentence and rng.random() < 0.5:
            sentence = sentence.replace(old, new, 1)
    return sentence
