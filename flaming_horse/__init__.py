"""flaming-horse: turn a topic or a Markdown script into a narrated Manim video."""

__version__ = "0.1.0"
