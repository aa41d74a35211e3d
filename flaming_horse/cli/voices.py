"""flaming-horse voices [DIR]: the registered voice backends, the one selected, and whether each can
speak on this machine (and why not). Only backends the factory knows are listed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from flaming_horse.cli.common import console
from flaming_horse.errors import ProjectError
from flaming_horse.settings import load_settings
from flaming_horse_voice.factory import REGISTRY, availability
from flaming_horse_voice.settings import VoiceSettings


def backend_report(settings: VoiceSettings) -> list[dict]:
    """One row per registered backend. The selected one is checked with the real settings; the
    others with their defaults (another backend's model or voice would mean nothing to them)."""
    rows = []
    for name in REGISTRY:
        selected = name == settings.backend
        checked = settings if selected else replace(VoiceSettings(), backend=name,
                                                    base_url=settings.base_url)
        usable, detail = availability(name, checked)
        rows.append({"name": name, "selected": selected, "usable": usable, "detail": detail})
    return rows


def voices(
    directory: Optional[Path] = typer.Argument(
        None, help="A project folder whose settings to use (default: the current folder)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
) -> None:
    """List the voice backends and whether each is usable here (exit 1: the selected one is not)."""
    root = directory or Path.cwd()
    if not root.is_dir():
        raise ProjectError(f"no folder at {root}", hint="give a project folder, or none")
    settings = load_settings(root).voice
    rows = backend_report(settings)
    if settings.backend not in REGISTRY:
        rows.append({"name": settings.backend, "selected": True, "usable": False,
                     "detail": "not a registered backend"})
    if as_json:
        print(json.dumps({"selected": settings.backend, "backends": rows}, indent=2))
    else:
        table = Table(title="voice backends")
        for column in ("", "backend", "status", "detail"):
            table.add_column(column, overflow="fold")
        for row in rows:
            status = "[green]usable[/]" if row["usable"] else "[red]not usable[/]"
            table.add_row("*" if row["selected"] else "", row["name"], status,
                          escape(row["detail"]))
        console.print(table)
        console.print(f"selected: {settings.backend} (set [voice] backend in flaming-horse.toml, "
                      "FLAMING_HORSE_VOICE, or --voice)", highlight=False, markup=False)
    if not any(r["selected"] and r["usable"] for r in rows):
        raise typer.Exit(1)
