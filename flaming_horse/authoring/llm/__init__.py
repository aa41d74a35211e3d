"""The LLM author's foundations: a chat client for any OpenAI-compatible server (``client``) and
the gates every generated scene body must pass before it is ever run (``gates``).

Nothing is re-exported here on purpose: the client must not import manim (the gates do).
"""
