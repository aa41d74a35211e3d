"""flaming-horse serve-voice: the project's voices behind an OpenAI-compatible speech API (see
flaming_horse_voice.server). Settings come from a project's [voice] table (``--project``) and the
FLAMING_HORSE_VOICE* environment, as in a build; the options here override them."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.factory import REGISTRY
from flaming_horse_voice.settings import load_voice_settings


def serve_voice(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    backend: Optional[str] = typer.Option(
        None, "--backend", help=f"Voice backend to serve ({', '.join(REGISTRY)}; default: the "
                                "project's, else piper)."),
    model: Optional[str] = typer.Option(None, "--model", help="The backend's model (a path or "
                                                              "id)."),
    speaker: Optional[str] = typer.Option(None, "--speaker", help="The voice 'default' names."),
    device: Optional[str] = typer.Option(None, "--device", help="qwen: cpu, cuda or auto."),
    project: Optional[Path] = typer.Option(None, "--project",
                                           help="Serve this project's [voice] settings."),
    queue_size: int = typer.Option(16, "--queue-size", min=1,
                                   help="Requests that may wait; more get 429."),
    idle_unload: float = typer.Option(300.0, "--idle-unload", min=0.0,
                                      help="Seconds without requests before the model unloads."),
    cache_mb: float = typer.Option(64.0, "--cache-mb", min=0.0,
                                   help="Megabytes of finished answers kept (0: no cache)."),
    max_input: int = typer.Option(4096, "--max-input", min=1,
                                  help="Most characters of input per request (more: 413)."),
    allow_unauthenticated: bool = typer.Option(
        False, "--allow-unauthenticated",
        help="Listen beyond this machine without a token (FLAMING_HORSE_VOICE_SERVER_TOKEN)."),
) -> None:
    """Serve the voices on an OpenAI-compatible speech API (POST /v1/audio/speech), streaming."""
    try:
        from flaming_horse_voice.server.app import TOKEN_ENV, ServerConfig
        from flaming_horse_voice.server.main import serve
    except ImportError as exc:
        raise FlamingHorseError(f"the voice server needs {exc.name}",
                                hint="pip install 'flaming-horse[serve]'") from None
    if project is not None and not project.is_dir():
        raise FlamingHorseError(f"no project folder at {project}",
                                hint="give --project a folder holding flaming-horse.toml")
    settings = load_voice_settings(project)
    changes = {k: v for k, v in {"backend": backend, "model": model, "speaker": speaker,
                                 "device": device}.items() if v is not None}
    if "backend" in changes and changes["backend"] != settings.backend and "model" not in changes:
        changes["model"] = None  # another backend's model would mean nothing to it
    settings = replace(settings, **changes)
    if settings.backend not in REGISTRY:
        raise FlamingHorseError(f"unknown voice backend '{settings.backend}'",
                                hint=f"available: {', '.join(REGISTRY)}")
    if settings.backend == "http":
        raise FlamingHorseError("serve-voice serves a local voice, not another server",
                                hint="use --backend piper, qwen or mlx")
    token = os.environ.get(TOKEN_ENV, "").strip() or None
    config = ServerConfig(settings=settings, queue_size=queue_size, idle_unload=idle_unload,
                          cache_mb=cache_mb, max_input=max_input, token=token)
    serve(config, host, port, open_ok=allow_unauthenticated)
