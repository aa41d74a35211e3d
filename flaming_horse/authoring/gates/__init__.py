"""The gates untrusted code must pass before it is ever run: model-written scene bodies and
manim blocks (``run.run_gates``): syntax, the names it may use (``names``), the manim API it
calls (``api``), what it may not do (``policy``) and its timing budget (``budget``).

Nothing is re-exported here: the gates import manim, and a caller loads only what it asks for.
"""
