"""scenes: plan.json + narration.json -> scenes/scene_NN.py, written by the author from a scaffold
the code owns. Each file's first line records its input hash; a file is rewritten only when its
scene's plan or narration changes, so hand edits survive until then (and are re-rendered).

With ``author = "llm"`` the model writes each scene's body: the beats are spoken into the voice
cache first (so it gets the real durations; the voice stage then finds them cached), the body is
gated, repaired, and replaced by the offline template when it still fails. That fallback is
written in the file's header (``# author: template (fallback ...)``), in project_state.json and,
by the qc stage, in qc_report.json.
"""

from __future__ import annotations

import hashlib
import re
import threading

from flaming_horse import children
from flaming_horse.report.model import Check
from flaming_horse.authoring import template
from flaming_horse.authoring.figures import FIGURES
from flaming_horse.authoring.figures.manim import Model as ManimBlock
from flaming_horse.authoring.storyboard import Image
from flaming_horse.hashing import hash_json
from flaming_horse.unit import Unit
from flaming_horse.project import Project
from flaming_horse.reporting import Progress
from flaming_horse.stages import contained
from flaming_horse.stages.artifacts import beats, load_narrations, load_plan, selected, voice
from flaming_horse_voice import atomic

_HEADER = re.compile(r"^# flaming-horse scene, input-hash ([0-9a-f]{64})")
_AUTHOR = re.compile(r"^# author: (\w+)(?: \(fallback: (.*)\)| .*)?$")
_BODY_DIGEST = re.compile(r", code-sha256 ([0-9a-f]{64})$")
HEADER_LINES = 3  # input hash, author, what the file is: the code comes after them


def header_hash(project: Project, scene_id: str) -> str | None:
    try:
        with open(project.scene_file(scene_id), encoding="utf-8") as handle:
            match = _HEADER.match(handle.readline())
    except OSError:
        return None
    return match.group(1) if match else None


def author_record(project: Project, scene_id: str) -> dict[str, str | None] | None:
    """{"author", "fallback"} from a scene file's header, or None for files without that line
    (offline-template scenes and hand-written ones)."""
    try:
        with open(project.scene_file(scene_id), encoding="utf-8") as handle:
            head = [handle.readline() for _ in range(3)]
    except OSError:
        return None
    for line in head:
        match = _AUTHOR.match(line.rstrip("\n"))
        if match:
            return {"author": match.group(1), "fallback": match.group(2)}
    return None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def written_by_model(project: Project, scene_id: str) -> bool:
    """True while the scene file holds code a language model wrote, as it wrote it: such a file
    renders in the box. Its author line carries the digest of the code; once the user edits the
    code, the digest no longer matches and the file is the user's own (trusted). An LLM author
    line without a digest (or one that cannot be read) counts as the model's: fail closed."""
    try:
        lines = project.scene_file(scene_id).read_text(encoding="utf-8").splitlines(True)
    except (OSError, UnicodeDecodeError):
        return False
    author = next((line.rstrip("\n") for line in lines[:HEADER_LINES]
                   if line.startswith("# author: ")), None)
    if author is None or not author.startswith("# author: llm"):
        return False
    match = _BODY_DIGEST.search(author)
    return match is None or match.group(1) == _digest("".join(lines[HEADER_LINES:]))


def _header(input_hash: str, scene_id: str, title: str, author: str | None = None,
            code: str | None = None) -> str:
    """The file's first lines; ``code`` (for model-written files) is digested into the author
    line, so an edit by the user is told apart from the model's code."""
    if author and code is not None:
        author += f", code-sha256 {_digest(code)}"
    return (f"# flaming-horse scene, input-hash {input_hash}\n"
            + (f"# author: {author}\n" if author else "")
            + f"# {scene_id}: {title!r}. Rewritten when this scene's plan or narration "
              "changes; until then your edits are kept and rendered.\n")


def write_template(project: Project, scene_id: str, fallback: str | None = None) -> None:
    """(Re)write a scene file from the offline template, keeping the scenes stage's input hash
    in its header, so the file counts as built. ``fallback``: why model code was replaced."""
    plan = load_plan(project)
    scene = next(s for s in plan.scenes if s.id == scene_id)
    input_hash = header_hash(project, scene_id) or ""
    author = f"template (fallback: {fallback})" if fallback else None
    atomic.write_text(project.scene_file(scene_id),
                      _header(input_hash, scene_id, scene.title, author)
                      + template.scene_source(plan, scene, load_narrations(project)[scene_id]))


# Scenes are written on ``-j`` threads at once: a model's answers and the dry runs in the box
# overlap (a scene written by the template takes milliseconds). The clips the scene writer times
# its code by are spoken one at a time (``speaking``): a voice backend holds one model.
PARALLEL = True


def units(project: Project, scenes: list[str] | None = None) -> list[Unit]:
    plan = load_plan(project)
    narrations = load_narrations(project)
    settings = project.settings
    llm = settings.author == "llm"
    if llm:  # the scene writer speaks the clips to time the code: its worker ends with the build
        backend, cache = voice(project)
        children.on_close(backend.close)
    speaking = threading.Lock()
    result = []
    for scene in selected(plan, scenes):
        spoken = narrations[scene.id]
        inputs = {"scene": scene.model_dump(mode="json"), "narration": spoken,
                  "title": plan.title, "template": template.TEMPLATE_VERSION}
        # a scene that shows the user's pictures is drawn by the template (model code runs
        # boxed, away from the project's files), and so is a scene with a figure: the code lays
        # it out (a manim block is the code the script holds)
        by_llm = llm and not any(isinstance(b.visual, (Image,) + FIGURES) for b in scene.beats)
        # a manim block a model wrote (not edited since) makes the scene the model's: boxed
        model_block = any(isinstance(b.visual, ManimBlock) and b.visual.origin == "model"
                          for b in scene.beats)
        if by_llm:
            from flaming_horse.authoring.llm.scene_writer import WRITER_VERSION

            inputs |= {"author": "llm", "llm": settings.llm.identity(), "writer": WRITER_VERSION,
                       "voice": [cache.key_for(text, backend) for text in spoken]}
        input_hash = hash_json(inputs)

        def run_template(progress: Progress | None = None, scene=scene, spoken=spoken,
                         input_hash=input_hash, model_block=model_block) -> None:
            body = template.scene_source(plan, scene, spoken)
            author = "llm (manim block in script.md)" if model_block else None
            atomic.write_text(project.scene_file(scene.id),
                              _header(input_hash, scene.id, scene.title, author,
                                      body if model_block else None) + body)

        def run_llm(progress: Progress, scene=scene, spoken=spoken, input_hash=input_hash) -> None:
            from flaming_horse.authoring.llm.connect import client_for
            from flaming_horse.authoring.llm.scene_writer import write_scene

            contained.must_box(project, f"{scene.id}'s code")  # before the model is asked

            durations = []
            for done, text in enumerate(spoken, start=1):
                with speaking:
                    entry, _ = cache.ensure(text, backend)
                durations.append(entry.duration)
                progress.step(done, text[:60])
            client = client_for(settings.llm, project.log_dir / "llm.jsonl")
            path = project.scene_file(scene.id)
            written = write_scene(client, plan, scene, spoken, durations,
                                  settings.llm.repair_attempts,
                                  _dry_run_file(project, scene.id, scene.class_name,
                                                sum(durations)))
            by_model = written.author == "llm"
            author = f"llm (model {settings.llm.model}, {written.rounds} answer(s))" \
                if by_model else f"template (fallback: {written.fallback})"
            atomic.write_text(path, _header(input_hash, scene.id, scene.title, author,
                                            written.source if by_model else None)
                              + written.source)

        def details(scene_id=scene.id, by_llm=by_llm) -> dict[str, object]:
            record = author_record(project, scene_id) or {}
            return {"author": record.get("author"), "fallback": record.get("fallback")} \
                if by_llm else {}

        named = {"narration": beats(spoken),
                 "visuals": beats([{k: v for k, v in beat.items() if k != "narration"}
                                   for beat in inputs["scene"]["beats"]]),
                 "scene": {k: v for k, v in inputs["scene"].items() if k != "beats"},
                 **{k: v for k, v in inputs.items() if k not in ("scene", "narration")}}
        result.append(Unit("scenes", scene.id, input_hash, inputs=named,
                           is_done=lambda s=scene.id, h=input_hash: header_hash(project, s) == h,
                           run=run_llm if by_llm else run_template,
                           preview=None if by_llm else run_template,  # model code: unknown
                           outputs=lambda s=scene.id: [project.scene_file(s)],
                           editable=True,  # hand edits are kept and rendered
                           steps=len(spoken) if by_llm else 1, details=details))
    return result


def _dry_run_file(project: Project, scene_id: str, class_name: str, audio_s: float):
    """The scene writer's ``try_file``: write the candidate to the scene's own place (so the
    voice service finds the project) under a header that never matches an input hash, and
    dry-run it in the box."""
    def try_file(source: str) -> None:
        atomic.write_text(project.scene_file(scene_id),
                          "# flaming-horse scene candidate, not yet checked\n"
                          "# author: llm (candidate)\n#\n" + source)
        contained.dry_run(project, scene_id, class_name, audio_s)

    return try_file


def fallback_checks(project: Project) -> list[Check]:
    """One passing but visible qc check per scene whose LLM body fell back to the template."""
    checks = []
    for scene in load_plan(project).scenes:
        record = author_record(project, scene.id)
        if record and record.get("fallback"):
            checks.append(Check(scope=scene.id, check="author_fallback",
                                value=f"offline template (LLM body failed: {record['fallback']})",
                                threshold="noted, not a failure", passed=True))
    return checks
