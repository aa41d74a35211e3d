"""``doctor --executor ray``: what every node of the cluster has (Python, Ray, flaming-horse,
manim, the tools a render runs, the project's voice), asked of each node by a probe task."""

from __future__ import annotations

from typing import Any

from flaming_horse.executors.ray import connect, where_this_runs

# what a render runs on a node (bwrap: the box for scene files a language model wrote)
NODE_TOOLS = ("ffmpeg", "ffprobe", "latex", "dvisvgm", "bwrap")


def node_facts(voice_settings: Any) -> dict[str, Any]:
    """On one node: the versions and tools a render (and the project's voice) needs there."""
    import platform
    import shutil
    from importlib.metadata import PackageNotFoundError, version

    import ray

    def package(name: str) -> str | None:
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    from flaming_horse_voice.factory import availability

    voice_ok, voice_why = availability(voice_settings.backend, voice_settings)
    return {**where_this_runs(), "python": platform.python_version(), "ray": ray.__version__,
            "flaming-horse": package("flaming-horse"), "manim": package("manim"),
            "tools": {name: shutil.which(name) for name in NODE_TOOLS},
            "voice": [voice_settings.backend, voice_ok, voice_why]}


def cluster_facts(address: str, voice_settings: Any,
                  timeout: float = 120) -> list[tuple[str, dict[str, Any] | Exception]]:
    """Each alive node's name ("node IP (id)") and what ``node_facts`` found there, or the
    exception of a node that did not answer. Raises FlamingHorseError when the cluster cannot be
    used at all."""
    ray = connect(address)
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    probe = ray.remote(node_facts)
    refs = {n["NodeID"]: probe.options(num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(
        n["NodeID"], soft=False)).remote(voice_settings) for n in nodes}
    found: list[tuple[str, dict[str, Any] | Exception]] = []
    for node in nodes:
        name = f"node {node['NodeManagerAddress']} ({node['NodeID'][:8]})"
        try:
            found.append((name, ray.get(refs[node["NodeID"]], timeout=timeout)))
        except Exception as exc:
            found.append((name, exc))
    return found
