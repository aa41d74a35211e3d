"""The LLM author: a chat client for any OpenAI-compatible server (``client``), the plan and
narration author (``author``) and the scene writer (``scene_writer``), whose code passes the
gates (``flaming_horse.authoring.gates``) before it is ever run.

Nothing is re-exported here on purpose: the client must not import manim.
"""
