"""Heavy voice backends (Qwen3-TTS through qwen-tts or mlx-audio) run in a long-lived worker process.

The worker side (``__main__``, ``engine`` and the ``*_engine`` modules) needs only the standard
library, numpy and the engine's own library, plus this package's ``__init__`` (which reads settings
and imports ``flaming_horse.errors``, both standard library only). So it runs under another
interpreter (an MLX virtualenv named by ``FLAMING_HORSE_MLX_PYTHON``) with no install there: the
client puts the folder holding ``flaming_horse_voice`` and ``flaming_horse`` on ``PYTHONPATH``.
"""
