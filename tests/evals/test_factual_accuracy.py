"""FactualAccuracy: golden references from attributes or a file; heuristic checks against them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from span_table import SpanTable, evaluate, only

from fi_dagster.config import EvaluationConfig
from fi_dagster.evals.evaluators import ReferenceAnswers
from fi_dagster.evals.evaluators.references import normalize_input

QUESTION = "How long is the warranty on the Model X battery?"


def asked(spans: SpanTable, answer: str, question: str = QUESTION, **columns) -> SpanTable:
    messages = [{"role": "user", "content": question}]
    spans.add("t1", "gen", input_messages=messages, output_text=answer, **columns)
    return spans


def references(tmp_path: Path, *records: dict) -> EvaluationConfig:
    path = tmp_path / "references.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return EvaluationConfig(references_path=str(path))


def test_answer_matching_the_reference_file_passes(spans: SpanTable, tmp_path: Path) -> None:
    config = references(
        tmp_path,
        {"input": "how long is the warranty on the model x battery", "answer": "24 months"},
    )
    row = only(
        evaluate(asked(spans, "The battery warranty lasts 24 months."), config), "FactualAccuracy"
    )
    assert (row.score, row.passed, row.status) == (1.0, True, "ok")
    assert "2/2 key terms" in row.reason


def test_answer_contradicting_the_reference_fails(spans: SpanTable, tmp_path: Path) -> None:
    config = references(tmp_path, {"input": QUESTION, "answer": "24 months, batteries only"})
    row = only(evaluate(asked(spans, "The warranty lasts 12 months."), config), "FactualAccuracy")
    assert row.passed is False and row.score < 0.5
    assert "missing: 24" in row.reason


def test_reference_on_the_span_attribute_wins_over_the_file(
    spans: SpanTable, tmp_path: Path
) -> None:
    config = references(tmp_path, {"input": QUESTION, "answer": "36 months"})
    attributes = {"reference.answer": "24 months"}
    asked(spans, "It is covered for 24 months.", attributes=attributes)
    assert only(evaluate(spans, config), "FactualAccuracy").score == 1.0


def test_reference_in_root_metadata_is_found(spans: SpanTable) -> None:
    metadata = json.dumps({"reference_answer": "Yes"})
    spans.add(
        "t1", "root", "CHAIN", input_text="Is it waterproof?", attributes={"metadata": metadata}
    )
    spans.add(
        "t1",
        "gen",
        parent="root",
        at=1,
        input_text="Is it waterproof?",
        output_text="No, it is not.",
    )
    row = only(evaluate(spans), "FactualAccuracy")
    assert (row.score, row.passed) == (0.0, False) and "'Yes' not found" in row.reason


def test_heuristic_cannot_check_facts_without_a_reference(spans: SpanTable) -> None:
    row = only(evaluate(asked(spans, "It lasts 24 months.")), "FactualAccuracy")
    assert (row.status, row.judge_model) == ("skipped", "heuristic-v1")
    assert "only against a reference answer" in row.reason and row.passed is None


def test_missing_question_is_skipped(spans: SpanTable) -> None:
    spans.add("t1", "gen", output_text="It lasts 24 months.")
    row = only(evaluate(spans), "FactualAccuracy")
    assert (row.status, row.reason) == ("skipped", "the question was not captured")


def test_lookup_ignores_case_spacing_and_trailing_punctuation() -> None:
    answers = ReferenceAnswers({"  What is  the SLA? ": "99.9%"})
    assert answers.lookup("what is the sla") == "99.9%"
    assert answers.lookup("What is the SLA ?!") == "99.9%"
    assert answers.lookup("What is the SLO?") is None and len(answers) == 1
    assert normalize_input("A\n b.") == "a b"


def test_a_bad_references_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "refs.jsonl"
    path.write_text('{"input": "q", "answer": "a"}\n{"question": "q2"}\n')
    with pytest.raises(ValueError, match=r"refs.jsonl:2: expected"):
        ReferenceAnswers.load(path)
