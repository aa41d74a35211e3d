"""Recover voice clips from projects made by the original flaming-horse.

The original kept its clips in ``media/voiceovers/qwen/<narration_key>.mp3``, the texts in
``narration_script.py`` (``SCRIPT = {key: text}``) and, when present, a ``cache.json`` list beside
the clips whose entries have ``narration_key``, ``text`` and ``audio_file``. Each clip cost minutes
of Qwen time, so the first build of such a project adopts every clip whose text is still spoken
instead of synthesising it again.

- ``narration_script.py`` is untrusted: it is parsed with ``ast`` and never executed; only entries
  whose key and text are string literals count (triple-quoted, implicitly concatenated, in
  parentheses, or joined with ``+``: all forms the original wrote).
- A clip's recorded text is its legacy ``cache.json`` text. Without a readable legacy cache.json,
  it is the script's text for its key (the original itself treated them so). With one that does
  not list the clip, it is unknown, and the clip is not trusted.
- A wanted text equal to a clip's recorded text is **recovered**: the MP3 is copied into our cache
  under the key the current backend gives that text, tagged like our own clips, and adopted through
  ``VoiceCache.get`` (duration measured from the file, never taken from the legacy index). Word
  times are estimated within the part of the clip that is not silence.
- A wanted text equal to the script's text for a key whose clip was made from another (or an
  unknown) text is **stale**; any other wanted text is **missing**. Both are left to the backend.
- Legacy clips speak in the voice of the backend that made them (qwen). They are adopted only when
  the current backend is one of ``backends``, so a piper build never passes a Qwen clip off as
  its own; the caller may widen ``backends`` (e.g. an http server that serves the same Qwen voice).
- The original recorded no voice identity, so the first adoption assumes the project's current
  voice settings are the ones the original used, and pins the clips to that identity
  (``legacy.json`` in our cache folder). Once the model or voice changes, the keys change, and the
  pin stops the old clips from being adopted again under the new voice.
- The original's reference WAV is often gone (its ``.gitignore`` listed ``*.wav``). The voice
  identity is then made from what is left (``MISSING_REFERENCE`` + a digest of the transcript;
  see ``backends.worker``), so the clips are adopted and a build whose texts are all recovered
  needs neither the WAV nor the model; speaking a new text fails at once, naming the WAV. When
  the WAV comes back, the identity becomes the full one, and clips pinned under the missing
  reference are adopted again under it (the same assumption as the first adoption: the
  project's voice is the one the original used). Any other change of voice keeps the pin.
"""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from mutagen import MutagenError

from flaming_horse_voice import LEGACY_SCRIPT, atomic
from flaming_horse_voice.audio import decode_audio, measure_duration, speech_span, write_tags
from flaming_horse_voice.backends.base import Backend
from flaming_horse_voice.backends.worker import MISSING_REFERENCE
from flaming_horse_voice.cache import CacheEntry, VoiceCache, slug, speakable
from flaming_horse_voice.events import append_event
from flaming_horse_voice.words import ESTIMATED, estimate

LEGACY_DIR = Path("media") / "voiceovers" / "qwen"
LEGACY_INDEX = "cache.json"
LEGACY_BACKENDS: tuple[str, ...] = ("qwen",)
PIN_FILE = "legacy.json"  # in our cache folder: the identity legacy clips were adopted under
MAX_SCRIPT_BYTES = 2_000_000  # a narration script is text; anything bigger is not one


@dataclass(frozen=True)
class LegacyClip:
    """One narration key of an original project: its audio and the texts known for it."""

    narration_key: str
    audio: Path | None  # the MP3 in the legacy folder, when there is one
    recorded_text: str | None  # speakable text the MP3 was made from (None: unknown)
    script_text: str | None  # speakable text narration_script.py has for the key now


@dataclass
class RecoveryReport:
    """What recovery found for the wanted texts (each text counted once)."""

    recovered: list[CacheEntry] = field(default_factory=list)  # adopted into our cache
    stale: list[str] = field(default_factory=list)  # an MP3 exists, made from another text
    missing: list[str] = field(default_factory=list)  # no usable MP3
    cached: list[str] = field(default_factory=list)  # already in our cache: nothing to do
    skipped: str | None = None  # why nothing was looked at (not an original project, ...)

    def summary(self) -> str:
        return (f"recovered {len(self.recovered)} clips, {len(self.stale)} stale, "
                f"{len(self.missing)} missing")


def load_script(path: Path) -> dict[str, str]:
    """``SCRIPT = {key: text}`` from an original narration_script.py, read with ``ast`` only.

    Entries whose key or text is not a string literal (f-strings, names, calls) are left out; an
    unreadable or unparsable file gives {}.
    """
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            return {}
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    script: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if not any(isinstance(t, ast.Name) and t.id == "SCRIPT" for t in targets):
            continue
        if not isinstance(value, ast.Dict):
            continue
        script = {}  # the last assignment wins, as it would have at run time
        for key_node, text_node in zip(value.keys, value.values):
            try:
                key, text = _string(key_node), _string(text_node)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                continue
            if isinstance(key, str) and isinstance(text, str):
                script[key] = text
    return script


def _string(node: ast.AST | None) -> object:
    """A literal's value; also ``"a" + "b"`` of string literals, which ``ast.literal_eval``
    refuses (implicit concatenation, ``"a" "b"``, is one constant already)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left), _string(node.right)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
        raise ValueError("not a string concatenation")
    if node is None:  # ``**other`` in a dict display
        raise ValueError("not a literal")
    return ast.literal_eval(node)


def _inside(folder: Path, name: object) -> Path | None:
    """``folder/name`` when ``name`` is a plain MP3 file name that stays inside ``folder``."""
    if not isinstance(name, str) or not name.lower().endswith(".mp3"):
        return None
    path = folder / name
    try:
        if path.resolve().parent != folder.resolve() or not path.is_file():
            return None
    except OSError:
        return None
    return path


def _legacy_index(path: Path) -> list[tuple[str, str, str | None]] | None:
    """(narration_key, audio_file, text) per entry of the original cache.json; None if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, list):
        return None
    rows = []
    for entry in data:
        if not isinstance(entry, dict):
            continue
        audio = entry.get("audio_file") or entry.get("final_audio") or entry.get("original_audio")
        text = entry.get("text") or entry.get("input_text")
        if not isinstance(audio, str) or not audio:
            continue
        key = entry.get("narration_key")
        rows.append((key if isinstance(key, str) and key else Path(audio).stem, audio,
                     text if isinstance(text, str) else None))
    return rows


def find_legacy(project_root: Path | str) -> list[LegacyClip] | None:
    """The clips of an original flaming-horse project, or None when ``project_root`` is not one."""
    root = Path(project_root)
    folder = root / LEGACY_DIR
    if not folder.is_dir():
        return None
    script = {k: speakable(v) for k, v in load_script(root / LEGACY_SCRIPT).items()}
    index = _legacy_index(folder / LEGACY_INDEX)
    clips: dict[str, LegacyClip] = {}
    for key, audio_name, text in index or []:
        if key not in clips:
            clips[key] = LegacyClip(key, _inside(folder, audio_name),
                                    speakable(text) if text else None, script.get(key))
    for key, text in script.items():
        if key not in clips:
            recorded = text if index is None else None  # an index omitting it vouches for nothing
            clips[key] = LegacyClip(key, _inside(folder, f"{key}.mp3"), recorded, text)
    return list(clips.values())


def _read_pin(path: Path) -> str | None:
    """The identity (as sorted JSON) legacy clips were first adopted under; None if never."""
    try:
        return json.dumps(json.loads(path.read_text(encoding="utf-8"))["identity"], sort_keys=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _reference_returned(pin: str, identity: str) -> bool:
    """True when ``pin`` was made while the voice reference was missing and ``identity`` is the
    same voice with its reference back (everything but the reference equal)."""
    old, new = json.loads(pin), json.loads(identity)
    if not isinstance(old, dict) or not isinstance(old.get("reference"), str) \
            or not old["reference"].startswith(MISSING_REFERENCE):
        return False
    return {**old, "reference": None} == {**new, "reference": None}


def _adopt(clip: LegacyClip, text: str, cache: VoiceCache, backend: Backend,
           root: Path) -> CacheEntry | None:
    """Copy ``clip`` into ``cache`` as the clip for ``text``; None when its audio is unusable."""
    assert clip.audio is not None
    key = cache.key_for(text, backend)
    identity = backend.identity()
    try:
        samples, rate = decode_audio(clip.audio)
    except ValueError:
        return None
    start, end = speech_span(samples, rate)
    created = datetime.fromtimestamp(clip.audio.stat().st_mtime, timezone.utc).isoformat()
    source = clip.audio.relative_to(root).as_posix() if clip.audio.is_relative_to(root) \
        else clip.audio.name
    tags = {"key": key, "text": text, "backend": identity["backend"], "model": identity["model"],
            "created_at": created, "words": [w.to_dict() for w in estimate([(text, start, end)])],
            "timing": ESTIMATED, "source": f"legacy:{source}"}
    target = cache.folder / f"{slug(text)}-{key}.mp3"
    try:
        with atomic.atomic_path(target) as tmp:
            shutil.copyfile(clip.audio, tmp)
            write_tags(tmp, tags)
            measure_duration(tmp)  # a file mutagen cannot time is no clip of ours
    except (OSError, ValueError, MutagenError):  # unreadable legacy MP3: synthesised instead
        return None
    entry = cache.get(key)  # the cache's own adoption: key from the name, duration measured
    if entry is not None:
        append_event(cache.events, {"event": "voice_recovered", "backend": identity["backend"],
                                    "key": key, "text": text, "source": tags["source"],
                                    "audio_seconds": round(entry.duration, 3)})
    return entry


def recover_legacy(project_root: Path | str, wanted_texts: Iterable[str], cache: VoiceCache,
                   backend: Backend, *,
                   backends: Iterable[str] = LEGACY_BACKENDS) -> RecoveryReport:
    """Adopt the original project's clips for ``wanted_texts`` into ``cache`` (see module doc).

    Cheap when there is nothing to do: a folder without ``media/voiceovers/qwen`` returns at once,
    and texts already in ``cache`` are not looked up again, so it is safe to call on every build.
    """
    root = Path(project_root)
    texts = list(dict.fromkeys(t for t in (speakable(w) for w in wanted_texts) if t))
    clips = find_legacy(root)
    if clips is None:
        return RecoveryReport(skipped=f"no {LEGACY_DIR.as_posix()} folder")
    allowed = tuple(backends)
    if backend.name not in allowed:
        return RecoveryReport(skipped=f"its clips were made by {'/'.join(allowed)}, and this "
                                      f"project speaks with {backend.name}")
    identity = json.dumps(backend.identity(), sort_keys=True)
    pin = _read_pin(cache.folder / PIN_FILE)
    if pin is not None and pin != identity and _reference_returned(pin, identity):
        pin = None  # adopted again under the reference that is back; pinned anew below
    if pin is not None and pin != identity:
        return RecoveryReport(skipped="its clips were adopted for other voice settings (see "
                                      f"{PIN_FILE}), so they are not reused for these")
    by_recorded = {c.recorded_text: c for c in reversed(clips) if c.recorded_text and c.audio}
    by_script = {c.script_text: c for c in reversed(clips) if c.script_text and c.audio}
    report = RecoveryReport()
    for text in texts:
        if cache.get(cache.key_for(text, backend)) is not None:
            report.cached.append(text)
            continue
        clip = by_recorded.get(text)
        if clip is not None and pin is None:  # pinned before the first clip lands
            atomic.write_json(cache.folder / PIN_FILE, {"identity": json.loads(identity),
                                                        "source": LEGACY_DIR.as_posix()})
            pin = identity
        entry = _adopt(clip, text, cache, backend, root) if clip is not None else None
        if entry is not None:
            report.recovered.append(entry)
        elif clip is None and text in by_script:
            report.stale.append(text)
        else:
            report.missing.append(text)
    return report
