#!/usr/bin/env python3
"""Hearing every clip (issue 19), measured side by side in one run.

- timing: for every beat of the example scripts, Piper speaks the clip (its word times are exact,
  from its phoneme alignments); the recogniser's word times (``asr-alignment``) and the character
  estimate an untimed backend gets (over the clip's speech span, as the http backend does) are
  each compared with Piper's. Median and 95th percentile of |start - Piper's start|.
- detection: the same clips, and damaged copies made with ffmpeg from every third one (a
  sentence cut out, the first six words said twice, 2 s of pink noise appended): how many
  Piper clips fail (should be none) and how many damaged clips are flagged (should be all).
- cost (--cost): ``create -q low`` of the Pythagoras example with the check off and on,
  alternating, N runs each; the median wall time of each and their ratio.

    .venv/bin/python scripts/bench_hearing.py [--scripts pythagoras binary_search derivative]
        [--cost 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from flaming_horse.authoring.script import compile_script
from flaming_horse.stages.narration import spoken
from flaming_horse_voice.audio import encode_audio, speech_span
from flaming_horse_voice.cache import speakable
from flaming_horse_voice.factory import create_backend
from flaming_horse_voice.hearing.align import narration_timings
from flaming_horse_voice.hearing.ear import Ear
from flaming_horse_voice.hearing.settings import parse
from flaming_horse_voice.settings import VoiceSettings
from flaming_horse_voice.words import estimate

ROOT = Path(__file__).resolve().parent.parent


def texts_of(script: str) -> list[str]:
    path = ROOT / "examples" / f"{script}.md"
    plan = compile_script(path.read_text(encoding="utf-8"), str(path)).plan
    return [speakable(spoken(beat)) for scene in plan.scenes for beat in scene.beats]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def damaged(clip, text: str, folder: Path, index: int) -> list[tuple[str, Path]]:
    """(what was done, file) for the three kinds of damage, made with ffmpeg from ``clip``."""
    source = folder / f"clip{index}.wav"
    encode_audio(clip.samples, clip.sample_rate, "wav", source)
    words = clip.words
    out = []
    ends = [k for k, w in enumerate(words[:-1]) if w.word[-1:] in ".!?"]
    if ends:  # cut the sentence after the first sentence end (or the first one)
        first_end = ends[0]
        nxt = [k for k in ends if k > first_end]
        last = nxt[0] if nxt else len(words) - 1
        cut_from, cut_to = words[first_end + 1].start, words[last].end
        if last == len(words) - 1:  # two sentences: cut the first
            cut_from, cut_to = 0.0, words[first_end + 1].start
        target = folder / f"cut{index}.wav"
        ffmpeg("-i", str(source), "-af",
               f"aselect='not(between(t,{cut_from:.3f},{cut_to:.3f}))',asetpts=N/SR/TB",
               str(target))
        out.append(("sentence cut", target))
    if len(words) >= 8:
        six = words[5].end + 0.05
        target = folder / f"repeat{index}.wav"
        ffmpeg("-i", str(source), "-filter_complex",
               f"[0]atrim=0:{six:.3f},asetpts=N/SR/TB[a];[0]asetpts=N/SR/TB[b];"
               "[a][b]concat=n=2:v=0:a=1", str(target))
        out.append(("six words twice", target))
    target = folder / f"noise{index}.wav"
    ffmpeg("-i", str(source), "-f", "lavfi", "-i",
           f"anoisesrc=color=pink:amplitude=0.05:duration=2:sample_rate={clip.sample_rate}",
           "-filter_complex", "[0][1]concat=n=2:v=0:a=1", str(target))
    out.append(("2 s of noise", target))
    return out


def timing_and_detection(scripts: list[str]) -> None:
    backend = create_backend(VoiceSettings())
    ear = Ear(parse(None))
    asr_errors, estimate_errors, false_failures, heard_s, audio_s = [], [], [], 0.0, 0.0
    rates: list[float] = []  # each Piper clip's word error rate: what the threshold is set from
    flagged, damages, asked = 0, 0, 0
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        index = 0
        for script in scripts:
            for text in texts_of(script):
                clip = backend.synthesize(text)
                started = time.perf_counter()
                hearing = ear.hear(clip.samples, clip.sample_rate, text, "bench")
                heard_s += time.perf_counter() - started
                audio_s += clip.duration
                rates.append(hearing.verdict.wer)
                if not hearing.verdict.passed:
                    false_failures.append(f"{text[:60]}: {hearing.verdict.reasons} "
                                          f"heard {hearing.transcript!r}")
                asr = narration_timings(text, hearing.words, clip.duration)
                guess = estimate([(text, *speech_span(clip.samples, clip.sample_rate))])
                for exact, a, g in zip(clip.words, asr, guess):
                    asr_errors.append(abs(a.start - exact.start))
                    estimate_errors.append(abs(g.start - exact.start))
                asked += hearing.verdict.aligned is not None
                for what, path in damaged(clip, text, folder, index):  # every clip, 3 ways
                    damages += 1
                    verdict = ear.hear_file(path, text, "bench").verdict
                    if verdict.passed:
                        missed.append(f"{what}: {text[:50]}")
                    else:
                        flagged += 1
                index += 1
    ms = lambda v: f"{1000 * v:.0f}"  # noqa: E731
    print(f"clips: {index} Piper clips, {audio_s:.0f} s of audio, from {', '.join(scripts)}")
    print(f"recogniser speed: {audio_s / heard_s:.1f}x real time (one thread, hearing again "
          "carefully when a clip seems to fail)")
    print("word start vs Piper's alignment      median ms   p95 ms   (bar: <= 80 / <= 200)")
    print(f"  recogniser (asr-alignment)          {ms(statistics.median(asr_errors)):>6}"
          f"   {ms(percentile(asr_errors, 95)):>6}")
    print(f"  character estimate                  {ms(statistics.median(estimate_errors)):>6}"
          f"   {ms(percentile(estimate_errors, 95)):>6}")
    print(f"Piper clips' word error rate: median {statistics.median(rates):.3f}, "
          f"p95 {percentile(rates, 95):.3f}, max {max(rates):.3f} (threshold "
          f"{ear.settings.threshold})")
    print(f"Piper clips failing: {len(false_failures)} of {index} (bar: 0)")
    for line in false_failures:
        print("   ", line)
    print(f"Piper clips force-aligned (a second opinion, or words not heard): {asked}")
    print(f"damaged clips flagged: {flagged} of {damages} (bar: all)")
    for line in missed:
        print("    missed:", line)


def cost(runs: int) -> None:
    times: dict[str, list[float]] = {"off": [], "on": []}
    cli = [sys.executable, "-m", "flaming_horse"]
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for mode in ("off", "on"):
                env = {**os.environ, "FLAMING_HORSE_VOICE_VERIFY": mode}
                started = time.perf_counter()  # a new project each time: nothing cached
                subprocess.run([*cli, "create", f"bench_{mode}_{run}", "--projects-dir", tmp,
                                "--topic", str(ROOT / "examples" / "pythagoras.md"),
                                "--quality", "low"], check=True, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[mode].append(time.perf_counter() - started)
                print(f"  run {run + 1} verify {mode}: {times[mode][-1]:.1f} s", flush=True)
    off, on = statistics.median(times["off"]), statistics.median(times["on"])
    print(f"create -q low pythagoras, median of {runs}: off {off:.1f} s, on {on:.1f} s, "
          f"ratio {on / off:.3f} (bar: <= 1.15)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scripts", nargs="+", default=["pythagoras", "binary_search",
                                                         "derivative"])
    parser.add_argument("--cost", type=int, default=0, help="runs of create with the check "
                        "off and on (0: skip)")
    args = parser.parse_args()
    timing_and_detection(args.scripts)
    if args.cost:
        cost(args.cost)


if __name__ == "__main__":
    main()
