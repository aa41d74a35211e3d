"""Open a project made by the original flaming-horse: recognise its layout and convert it, once.

The original tool kept a project as ``plan.json`` (its storyboard), ``narration_script.py``
(``SCRIPT = {narration_key: text}``), ``voice_clone_config.json`` (the Qwen voice), scene files
flat in the folder, clips in ``media/voiceovers/qwen/<narration_key>.mp3`` and its own
``project_state.json``, in three successive formats (A: ``narration_key`` differs from the scene
``id`` and scenes have ``narration_summary``/``animations``; B and C: ``narration_key`` is the id,
scenes have ``description``/``visual_ideas``). A scene's narration is ``SCRIPT[narration_key]``,
else ``SCRIPT[id]``, as the original's orchestrator read it.

``convert`` writes what this tool needs beside those files and changes none of them:

- ``script.md``: one ``##`` scene per plan scene that has narration, in the plan's order (the
  script's order when plan.json is missing or unreadable), its narration as ONE paragraph (a clip
  is one text; Markdown syntax in it escaped with backslashes so the text spoken is exactly the
  original's, and its clip is reused), its description and visual ideas in an HTML comment for
  the author. Plan scenes without narration are kept as comments; narration without a plan scene
  becomes a scene of its own.
- ``flaming-horse.toml`` (only when the project has none): ``[voice]`` from
  voice_clone_config.json (qwen, model, device, dtype, language, reference WAV and transcript).
- ``original/``: byte-for-byte copies of the original's ``plan.json``, ``project_state.json`` and
  ``final_video.mp4``, the three names our build writes too; the originals stay in place until
  the build replaces them (``project.State`` knows the original's record by its copy here and
  starts ours without calling it damaged).

Everything disagreeing (a key without clip, a clip without key, a scene without narration, ...)
becomes a note, never an error; only a project with no narration at all cannot be converted.
``narration_script.py`` is untrusted and read with ``ast`` only; nothing of the project is run.
Each file is written atomically and ``script.md`` last, so a conversion cut short is simply done
again by the next command.
"""

from flaming_horse.authoring.original.convert import convert
from flaming_horse.authoring.original.markdown import escape_narration, render_script
from flaming_horse.authoring.original.model import Conversion, OriginalScene
from flaming_horse.original_layout import detect
from flaming_horse.authoring.original.reading import read_original, voice_table

from flaming_horse.project import ORIGINAL_DIR

__all__ = ["ORIGINAL_DIR", "Conversion", "OriginalScene", "convert", "detect",
           "escape_narration", "read_original", "render_script", "voice_table"]
