"""mlx: Qwen3-TTS through ``mlx-audio`` (pip extra ``mlx``), for Apple Silicon; it also runs on
Linux with ``mlx[cpu]``. The model is loaded once per build, in a worker process whose interpreter
may belong to another virtualenv: ``FLAMING_HORSE_MLX_PYTHON=/path/to/venv/bin/python``.
"""

from __future__ import annotations

import os

from flaming_horse_voice.backends.worker import WorkerBackend

PYTHON_ENV = "FLAMING_HORSE_MLX_PYTHON"
CLONE_MODEL = "mlx-community/Qwen3-TTS-12Hz-0.6B-Base-bf16"
PRESET_MODEL = "mlx-community/Qwen3-TTS-12Hz-0.6B-CustomVoice-bf16"


class MlxBackend(WorkerBackend):
    name = "mlx"
    engine = "mlx"
    pip_extra = "mlx"
    install_note = (", or set FLAMING_HORSE_MLX_PYTHON to an interpreter that has mlx-audio "
                    "(`make venv-mlx` makes .venv-mlx)")
    modules = ("mlx", "mlx_audio")

    def python(self) -> str | None:
        return os.environ.get(PYTHON_ENV) or None

    def default_model(self) -> str:
        return CLONE_MODEL if self.settings.reference else PRESET_MODEL
