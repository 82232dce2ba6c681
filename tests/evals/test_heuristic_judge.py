"""HeuristicJudge: the documented lexical rules, at their edges."""

from __future__ import annotations

from fi_dagster.evals import HeuristicJudge, JudgeRequest


def judge(template: str, **variables: str):
    (verdict,) = HeuristicJudge().judge_many([JudgeRequest("X", template, variables)])
    return verdict


def test_a_sentence_needs_seventy_percent_of_its_content_words_in_the_documents() -> None:
    documents = "alpha bravo charlie delta echo foxtrot golf"
    seven_of_ten = "alpha bravo charlie delta echo foxtrot golf hotel india juliet."
    six_of_ten = "alpha bravo charlie delta echo foxtrot hotel india juliet kilo."
    assert judge("groundedness", documents=documents, answer=seven_of_ten).score == 1.0
    assert judge("groundedness", documents=documents, answer=six_of_ten).score == 0.0


def test_stopwords_and_short_words_are_not_claims() -> None:
    verdict = judge("groundedness", documents="", answer="Yes, that is it. OK!")
    assert verdict.score == 1.0 and "no checkable claims" in verdict.reason


def test_curly_apostrophe_refusals_are_refusals() -> None:
    verdict = judge(
        "task_completion",
        request="help",
        final_answer="I\u2019m sorry, but that is not possible.",
        error_spans="",
        tool_argument_errors="",
    )
    assert verdict.score == 2 / 3 and verdict.reason == "failed: final answer given"


def test_unknown_template_is_an_error_verdict() -> None:
    verdict = judge("toxicity", text="hello")
    assert verdict.status == "error" and verdict.score is None
    assert "no method for 'toxicity'" in (verdict.error or "")


def test_verdicts_cost_nothing() -> None:
    verdict = judge("groundedness", documents="alpha bravo", answer="alpha bravo.")
    assert (verdict.prompt_tokens, verdict.completion_tokens) == (0, 0)
