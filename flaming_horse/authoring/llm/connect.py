"""From the project's ``[llm]`` settings to a client: one place that says what "configured" means."""

from __future__ import annotations

from pathlib import Path

from flaming_horse.authoring.llm.client import LLMClient, LLMSettings
from flaming_horse.errors import ProjectError
from flaming_horse.settings import LLMConfig


def client_for(llm: LLMConfig, log_path: Path | None) -> LLMClient:
    """A client for the configured model, logging to ``log_path`` (log/llm.jsonl)."""
    if not llm.configured:
        raise ProjectError("no LLM is configured (the [llm] base_url and model are empty)",
                           hint="set them in flaming-horse.toml or ~/.config/flaming-horse/"
                                "config.toml, or FLAMING_HORSE_LLM_BASE_URL and "
                                "FLAMING_HORSE_LLM_MODEL (see README, 'Authors'); or set "
                                "author = \"template\"")
    return LLMClient(LLMSettings(base_url=llm.base_url, model=llm.model,
                                 temperature=llm.temperature, max_tokens=llm.max_tokens,
                                 timeout_s=llm.timeout_s), log_path=log_path)
