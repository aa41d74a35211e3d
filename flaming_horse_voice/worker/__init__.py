"""Heavy voice backends (Qwen3-TTS through qwen-tts or mlx-audio) run in a long-lived worker process.

The worker side (``__main__``, ``engine`` and the ``*_engine`` modules) imports only the standard
library, numpy and the engine's own library, so it can run under another interpreter (e.g. an MLX
virtualenv named by ``FLAMING_HORSE_MLX_PYTHON``) with only this package on its ``PYTHONPATH``.
"""
