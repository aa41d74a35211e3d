"""The offline starter author: a short, editable script.md from a topic string, no model needed."""

from __future__ import annotations

import re


def _clean(topic: str) -> str:
    topic = " ".join(topic.split()).strip(" .!?")
    if not topic:
        raise ValueError("empty topic")
    return topic[:120]


def starter_script(topic: str) -> str:
    """Three short scenes that frame the topic and show the script format, ready to be edited."""
    topic = _clean(topic)
    title = topic[0].upper() + topic[1:]
    spoken = re.sub(r"[#*_`$|<>]", " ", topic)
    spoken = " ".join(spoken.split())
    return f"""# {title}

<!-- A starter script written by flaming-horse without a language model.
     Edit it freely, then run: flaming-horse build <this project folder>
     Each '## ' heading is a scene, each paragraph is spoken, and the block after a paragraph
     is what the viewer sees while it is spoken. See README, "The script format". -->

## {title}

::: title
{title}
A short explainer
:::

This is a short video about {spoken.lower() if spoken[:1].isupper() and spoken[1:2].islower() else spoken}.

## Three questions

We will answer three questions.

- What is it?
- Why does it happen?
- Where do we see it?

## Recap

::: recap
State the idea in one sentence
Give the reason behind it
Show one everyday example
:::

That was the outline. Edit the script to tell the whole story, and build the video again.
"""
