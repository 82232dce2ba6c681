"""The loopback fakes behave like the real services as seen by real clients."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import openai
import pytest
from openai import OpenAI
from servers.openai_server import Fault, OpenAIServer
from servers.slack_receiver import SlackReceiver

MESSAGES = [{"role": "user", "content": "Is 2 + 2 = 4? Answer as JSON."}]


def client(server: OpenAIServer, **kwargs: object) -> OpenAI:
    return OpenAI(base_url=server.url + "/v1", api_key="test", **kwargs)


def ask(server: OpenAIServer, **kwargs: object) -> openai.types.chat.ChatCompletion:
    return client(server, **kwargs).chat.completions.create(model="judge-1", messages=MESSAGES)


class TestOpenAIServer:
    def test_default_reply_is_a_json_verdict_with_usage(self, openai_server: OpenAIServer) -> None:
        reply = ask(openai_server)
        assert json.loads(reply.choices[0].message.content) == {"score": 1.0, "reason": "ok"}
        assert reply.model == "judge-1"
        usage = reply.usage
        assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
        assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
        (request,) = openai_server.requests
        assert request.body["messages"] == MESSAGES
        assert request.headers["authorization"] == "Bearer test"

    def test_responder_sees_the_request(self, openai_server: OpenAIServer) -> None:
        openai_server.responder = lambda req: json.dumps({"score": 0.0, "reason": req["model"]})
        reply = ask(openai_server)
        assert json.loads(reply.choices[0].message.content)["reason"] == "judge-1"

    def test_429_is_retried_after_retry_after(self, openai_server: OpenAIServer) -> None:
        openai_server.inject(Fault("429", retry_after=0.01))
        reply = ask(openai_server, max_retries=2)
        assert json.loads(reply.choices[0].message.content)["score"] == 1.0
        assert len(openai_server.requests) == 2
        assert openai_server.pending_faults == 0

    def test_429_without_retries_surfaces_retry_after(self, openai_server: OpenAIServer) -> None:
        openai_server.inject(Fault("429", retry_after=7))
        with pytest.raises(openai.RateLimitError) as err:
            ask(openai_server, max_retries=0)
        assert err.value.response.headers["Retry-After"] == "7"

    def test_500_is_a_server_error(self, openai_server: OpenAIServer) -> None:
        openai_server.inject("500")
        with pytest.raises(openai.InternalServerError):
            ask(openai_server, max_retries=0)
        assert ask(openai_server).choices[0].message.content  # the next request succeeds

    def test_timeout_holds_the_connection(self, openai_server: OpenAIServer) -> None:
        openai_server.inject("timeout")
        with pytest.raises(openai.APITimeoutError):
            ask(openai_server, max_retries=0, timeout=0.3)

    def test_junk_body_breaks_the_client(self, openai_server: OpenAIServer) -> None:
        openai_server.inject("junk")
        with pytest.raises(ValueError):
            ask(openai_server, max_retries=0)

    def test_junk_verdict_is_well_formed_but_not_json(self, openai_server: OpenAIServer) -> None:
        openai_server.inject("junk_verdict")
        content = ask(openai_server).choices[0].message.content
        with pytest.raises(ValueError):
            json.loads(content)

    def test_rpm_limit_returns_429(self) -> None:
        with OpenAIServer(rpm_limit=2) as server:
            ask(server)
            ask(server)
            with pytest.raises(openai.RateLimitError) as err:
                ask(server, max_retries=0)
        assert 0 < float(err.value.response.headers["Retry-After"]) <= 60

    def test_wrong_api_key_is_rejected(self) -> None:
        with OpenAIServer(api_key="secret") as server, pytest.raises(openai.AuthenticationError):
            ask(server, max_retries=0)


def post(url: str, payload: dict, timeout: float = 5) -> tuple[int, str]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


class TestSlackReceiver:
    def test_webhook_post_is_recorded(self, slack_receiver: SlackReceiver) -> None:
        assert post(slack_receiver.webhook_url, {"text": "hello"}) == (200, "ok")
        assert [m.body for m in slack_receiver.messages] == [{"text": "hello"}]

    @pytest.mark.parametrize("mode", [500, 503, 429])
    def test_fail_next_fails_then_recovers(self, slack_receiver: SlackReceiver, mode: int) -> None:
        slack_receiver.fail_next(1, mode)
        assert post(slack_receiver.webhook_url, {"text": "a"})[0] == mode
        assert post(slack_receiver.webhook_url, {"text": "b"}) == (200, "ok")
        assert [m.body["text"] for m in slack_receiver.messages] == ["b"]
        assert len(slack_receiver.attempts) == 2

    def test_hang_times_out_the_client(self, slack_receiver: SlackReceiver) -> None:
        slack_receiver.fail_next(1, "hang")
        with pytest.raises(OSError):  # socket timeout, possibly wrapped in URLError
            post(slack_receiver.webhook_url, {"text": "a"}, timeout=0.3)
        assert slack_receiver.messages == []

    def test_down_fails_everything_until_back_up(self, slack_receiver: SlackReceiver) -> None:
        slack_receiver.down = True
        assert [post(slack_receiver.webhook_url, {"text": str(i)})[0] for i in range(3)] == [
            503
        ] * 3
        slack_receiver.down = False
        assert post(slack_receiver.webhook_url, {"text": "up"}) == (200, "ok")
        assert len(slack_receiver.messages) == 1

    def test_chat_post_message_answers_like_the_web_api(
        self, slack_receiver: SlackReceiver
    ) -> None:
        status, body = post(
            slack_receiver.url + "/api/chat.postMessage", {"channel": "#q", "text": "x"}
        )
        assert status == 200
        assert json.loads(body)["ok"] is True and json.loads(body)["channel"] == "#q"
