"""The LLM client against a real OpenAI-compatible HTTP server on the loopback interface.

The server replays a script of answers (status, JSON body, headers) and records each request,
so every path (format step-down, validation repair, retries, auth errors, the log) is exercised
over real HTTP; nothing in the client is patched.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from flaming_horse.authoring.llm.client import LLMClient, LLMSettings, extract_json
from flaming_horse.errors import LLMError
from tests.llm_server import ScriptedServer, chat

SECRET = "sk-sentinel-7f3a9c-never-log-me"


class Outline(BaseModel):
    title: str
    points: list[str] = Field(min_length=2)


GOOD = json.dumps({"title": "Waves", "points": ["a", "b"]})


@pytest.fixture
def server():
    s = ScriptedServer()
    yield s
    s.close()


@pytest.fixture
def make_client(server, tmp_path, monkeypatch):
    monkeypatch.setenv("FLAMING_HORSE_LLM_API_KEY", SECRET)
    sleeps: list[float] = []

    def make(**settings: Any) -> LLMClient:
        options = {"base_url": server.base_url, "model": "test-model", "timeout_s": 10.0}
        client = LLMClient(LLMSettings(**{**options, **settings}),
                           log_path=tmp_path / "log" / "llm.jsonl", sleep=sleeps.append,
                           backoff_s=0.01)
        client.sleeps = sleeps  # type: ignore[attr-defined]
        return client

    return make


def log_lines(tmp_path) -> list[dict[str, Any]]:
    text = (tmp_path / "log" / "llm.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


MESSAGES = [{"role": "system", "content": "You plan videos."},
            {"role": "user", "content": "Plan a video about waves."}]


def test_json_schema_answer(server, make_client, tmp_path):
    server.script = [(200, chat(GOOD), {})]
    client = make_client()
    result = client.complete_json(MESSAGES, Outline)
    assert result == Outline(title="Waves", points=["a", "b"])
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == f"Bearer {SECRET}"
    fmt = request["json"]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Outline"
    assert fmt["json_schema"]["strict"] is False
    assert fmt["json_schema"]["schema"]["required"] == ["title", "points"]
    assert request["json"]["model"] == "test-model" and request["json"]["max_tokens"] == 4096
    assert client.mode == "json_schema"
    [entry] = log_lines(tmp_path)
    assert entry["status"] == 200 and entry["mode"] == "json_schema"
    assert entry["usage"]["total_tokens"] == 18 and entry["response"] == GOOD
    assert entry["messages"] == MESSAGES and entry["latency_s"] >= 0 and entry["timestamp"]


def test_json_schema_refused_steps_down_to_json_object_and_remembers(server, make_client):
    refusal = {"error": {"message": "response_format type 'json_schema' is not supported",
                         "type": "invalid_request_error"}}
    server.script = [(400, refusal, {}), (200, chat(GOOD), {}), (200, chat(GOOD), {})]
    client = make_client()
    assert client.complete_json(MESSAGES, Outline).title == "Waves"
    first, second = server.requests[0]["json"], server.requests[1]["json"]
    assert first["response_format"]["type"] == "json_schema"
    assert second["response_format"] == {"type": "json_object"}
    assert '"points"' in second["messages"][0]["content"]  # the schema went into the prompt
    assert second["messages"][0]["content"].startswith("You plan videos.")
    assert client.mode == "json_object"
    client.complete_json(MESSAGES, Outline)  # the next call starts in the mode that worked
    assert server.requests[2]["json"]["response_format"] == {"type": "json_object"}
    assert len(server.requests) == 3


def test_no_response_format_at_all_falls_back_to_text_with_extraction(server, make_client):
    refusal = {"error": {"message": "Unrecognized request argument supplied: response_format"}}
    fenced = "<think>hmm</think>Sure! Here it is:\n```json\n" + GOOD + "\n```\nAnything else?"
    server.script = [(400, refusal, {}), (400, refusal, {}), (200, chat(fenced), {})]
    client = make_client()
    assert client.complete_json(MESSAGES, Outline).points == ["a", "b"]
    assert "response_format" not in server.requests[2]["json"]
    assert client.mode == "text"


def test_invalid_answer_is_repaired_with_the_validation_error(server, make_client):
    bad = json.dumps({"title": "Waves", "points": ["only one"]})
    server.script = [(200, chat(bad), {}), (200, chat(GOOD), {})]
    client = make_client()
    assert client.complete_json(MESSAGES, Outline).points == ["a", "b"]
    messages = server.requests[1]["json"]["messages"]
    assert messages[:2] == MESSAGES
    assert messages[2] == {"role": "assistant", "content": bad}
    assert messages[3]["role"] == "user"
    assert "points" in messages[3]["content"] and "at least 2 items" in messages[3]["content"]


def test_invalid_answers_give_up_after_schema_retries(server, make_client):
    server.script = [(200, chat("not json at all"), {})]
    client = make_client(schema_retries=2)
    with pytest.raises(LLMError, match="valid Outline after 3 attempts"):
        client.complete_json(MESSAGES, Outline)
    assert len(server.requests) == 3


def test_truncated_answer_names_max_tokens(server, make_client):
    server.script = [(200, chat('{"title": "Wav', finish="length"), {})]
    with pytest.raises(LLMError, match="max_tokens=4096") as caught:
        make_client().complete_json(MESSAGES, Outline)
    assert "max_tokens" in caught.value.hint and len(server.requests) == 1


def test_429_honours_retry_after_then_succeeds(server, make_client, tmp_path):
    server.script = [(429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}),
                     (200, chat("Hello there."), {})]
    client = make_client()
    assert client.complete_text(MESSAGES) == "Hello there."
    assert client.sleeps == [0.0]  # Retry-After, not the backoff
    assert "response_format" not in server.requests[1]["json"]
    assert [e["status"] for e in log_lines(tmp_path)] == [429, 200]


def test_500_every_time_gives_up_after_retries_with_backoff(server, make_client, tmp_path):
    server.script = [(500, {"error": {"message": "boom"}}, {})]
    client = make_client(retries=3)
    with pytest.raises(LLMError, match="HTTP 500 after 4 attempts"):
        client.complete_text(MESSAGES)
    assert len(server.requests) == 4
    assert client.sleeps == pytest.approx([0.01, 0.02, 0.04])
    assert len(log_lines(tmp_path)) == 4


def test_a_timeout_is_retried(server, make_client, tmp_path):
    server.script = [(200, chat("late"), {}), (200, chat("on time"), {})]
    server.delays = {0: 1.5}
    client = make_client(timeout_s=0.3)
    assert client.complete_text(MESSAGES) == "on time"
    assert client.sleeps == [0.01]
    assert [e["status"] for e in log_lines(tmp_path)] == ["timeout", 200]


def test_401_names_the_key_variable_and_is_not_retried(server, make_client):
    server.script = [(401, {"error": {"message": f"Incorrect API key provided: {SECRET}"}}, {})]
    with pytest.raises(LLMError) as caught:
        make_client().complete_json(MESSAGES, Outline)
    assert "FLAMING_HORSE_LLM_API_KEY" in caught.value.hint
    assert SECRET not in str(caught.value)  # even when the server echoes it
    assert len(server.requests) == 1


def test_404_names_base_url_and_model(server, make_client):
    server.script = [(404, {"error": {"message": "model 'test-model' not found"}}, {})]
    with pytest.raises(LLMError, match="test-model") as caught:
        make_client().complete_text(MESSAGES)
    assert "base_url" in caught.value.hint and "model" in caught.value.hint


def test_max_completion_tokens_is_learned_from_a_400(server, make_client):
    refusal = {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with "
                                    "this model. Use 'max_completion_tokens' instead."}}
    server.script = [(400, refusal, {}), (200, chat("ok"), {})]
    assert make_client().complete_text(MESSAGES) == "ok"
    retry = server.requests[1]["json"]
    assert "max_tokens" not in retry and retry["max_completion_tokens"] == 4096


def test_unreachable_server_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("FLAMING_HORSE_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = ScriptedServer()
    base_url = s.base_url
    s.close()  # nothing listens on that port any more
    client = LLMClient(LLMSettings(base_url=base_url, model="m", retries=1, timeout_s=5),
                       log_path=tmp_path / "llm.jsonl", sleep=lambda _: None)
    with pytest.raises(LLMError, match="connection error after 2 attempts") as caught:
        client.complete_text(MESSAGES)
    assert "running" in caught.value.hint


def test_log_has_one_line_per_request_and_never_the_key(server, make_client, tmp_path):
    refusal = {"error": {"message": "json_schema unsupported"}}
    bad = json.dumps({"title": "x", "points": []})
    server.script = [(400, refusal, {}), (503, {"error": "busy"}, {"Retry-After": "0"}),
                     (200, chat(bad), {}), (200, chat(GOOD), {})]
    client = make_client()
    client.complete_json(MESSAGES + [{"role": "user", "content": "key? " + SECRET}], Outline)
    lines = log_lines(tmp_path)
    assert len(lines) == len(server.requests) == 4
    assert [line["status"] for line in lines] == [400, 503, 200, 200]
    assert [line["mode"] for line in lines] == ["json_schema", "json_object", "json_object",
                                                "json_object"]
    raw = (tmp_path / "log" / "llm.jsonl").read_text(encoding="utf-8")
    assert SECRET not in raw and "***" in raw
    assert all(r["auth"] == f"Bearer {SECRET}" for r in server.requests)  # it was sent, not logged


@pytest.mark.parametrize("text, expected", [
    ('{"a": 1}', {"a": 1}),
    ('```json\n{"a": 1}\n```', {"a": 1}),
    ('Here: {"a": {"b": [1, 2]}} done. {"c": 3}', {"a": {"b": [1, 2]}}),
    ('<think>{"no": 0}</think>\n{"a": 1}', {"a": 1}),
])
def test_extract_json(text, expected):
    assert extract_json(text) == expected


def test_extract_json_without_json():
    with pytest.raises(ValueError):
        extract_json("I cannot help with that.")


def test_request_schema_requires_each_visual_kind():
    """A discriminator with a default is optional in pydantic's schema; a grammar-constrained
    server may then leave it out and the union cannot be validated (seen with llama-server)."""
    from flaming_horse.authoring.llm.author import DraftPlan
    from flaming_horse.authoring.llm.client import request_schema

    defs = request_schema(DraftPlan)["$defs"]
    visuals = [d for d in defs.values() if "kind" in d.get("properties", {})]
    assert len(visuals) >= 5 and all("kind" in d["required"] for d in visuals)
    assert "kind" not in DraftPlan.model_json_schema()["$defs"]["TitleCard"].get("required", [])
