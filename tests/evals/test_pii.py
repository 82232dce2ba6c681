"""PII detection and redaction, and redaction of trace text before an external judge sees it."""

from __future__ import annotations

import pytest
from judge_kit import ask, grounded_request, make_judge
from servers.openai_server import OpenAIServer

from fi_dagster.config import JudgeConfig
from fi_dagster.evals.pii import find_pii, redact

# Fake keys, assembled at run time so no key-shaped literal sits in the repository.
OPENAI_STYLE_KEY = "sk-" + "proj-abcdefghijklmnopqrstuv1234"
AWS_STYLE_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
LEAKY = (
    "Write to jane.doe+orders@example.co.uk or call +44 20 7946 0958. "
    f"Card 4111-1111-1111-1111, key {OPENAI_STYLE_KEY} and {AWS_STYLE_KEY}."
)


def test_each_kind_is_found_and_masked_with_its_placeholder() -> None:
    assert find_pii(LEAKY) == {
        "email address": 1,
        "phone number": 1,
        "card number": 1,
        "API key": 2,
    }
    masked = redact(LEAKY)
    for placeholder in ("[EMAIL]", "[PHONE]", "[CARD_NUMBER]", "[API_KEY]"):
        assert placeholder in masked
    for secret in ("jane.doe", "7946", "4111", "sk-proj", "AKIA"):
        assert secret not in masked


@pytest.mark.parametrize(
    "text",
    [
        "Order ORD-1234567890 shipped on 2026-11-03 12:00 for $1,234.56.",
        "Invoice INV-2026-54692 total 5,830.50 GBP, 4111 1111 1111 1112 is not a card.",
        "Call extension 4567 or room 12.",
    ],
)
def test_ids_dates_amounts_and_non_luhn_numbers_are_not_pii(text: str) -> None:
    assert not find_pii(text) and redact(text) == text


def test_password_and_bearer_assignments_are_secrets() -> None:
    found = find_pii(
        "password: hunter2hunter2 and Authorization: Bearer abcdefghijklmnopqrstuvwxyz"
    )
    assert found == {"API key": 2}


def _sent_text(server: OpenAIServer) -> str:
    (request,) = server.requests
    return request.body["messages"][1]["content"]


def test_trace_text_is_redacted_before_the_judge_sees_it(openai_server: OpenAIServer) -> None:
    verdict = ask(make_judge(openai_server, config=JudgeConfig()), grounded_request(LEAKY))
    sent = _sent_text(openai_server)
    assert verdict.status == "ok" and "[EMAIL]" in sent and "[CARD_NUMBER]" in sent
    assert "jane.doe" not in sent and "4111" not in sent and "sk-proj" not in sent


def test_redaction_can_be_turned_off(openai_server: OpenAIServer) -> None:
    ask(make_judge(openai_server, config=JudgeConfig(redact_pii=False)), grounded_request(LEAKY))
    assert "jane.doe+orders@example.co.uk" in _sent_text(openai_server)
