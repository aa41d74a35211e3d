#!/usr/bin/env python3
"""The voice server under load, in one run on loopback with the Piper voice, each figure beside
its target: 16 concurrent clients sending 200 requests of mixed length (some streamed), /health
latency during that load, streaming time-to-first-audio against the whole answer's time for a
three-sentence input, a cache hit, and the server's memory after the run against after warm-up.

    .venv/bin/python scripts/bench_voice_server.py [--clients 16] [--requests 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flaming_horse_voice.audio import decode_audio  # noqa: E402
from tests.voice_server import voice_server  # noqa: E402

SENTENCES = [
    "A right triangle has one square corner.",
    "The side across from that corner is the longest, and we call it the hypotenuse.",
    "Binary search halves the part of the list that can still hold the value at every step.",
    "A derivative measures how fast a function changes at one point, as the slope of its "
    "tangent line.",
    "Breadth first search visits every node one edge away before any node two edges away.",
]
THREE = " ".join(SENTENCES[1:4])


def text_for(k: int) -> str:
    """Mixed lengths: one to five sentences, every text distinct (no cache hits)."""
    count = 1 + (k * 7) % 5
    return " ".join(SENTENCES[:count]) + f" This is request {k}."


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load(url: str, clients: int, total: int, first: int = 0) -> tuple[int, int, float]:
    """(answered well, failed or lost, seconds): ``total`` requests from ``clients`` threads
    (texts ``first`` on); every fourth is streamed; an answer counts when it decodes to audio."""
    next_k, lock = iter(range(first, first + total)), threading.Lock()
    good, bad = [0], [0]

    def client() -> None:
        with httpx.Client(base_url=url, timeout=300) as http:
            while True:
                with lock:
                    k = next(next_k, None)
                if k is None:
                    return
                body = {"model": "piper", "input": text_for(k), "response_format": "wav"}
                try:
                    if k % 4 == 3:
                        body |= {"response_format": "pcm", "stream_format": "audio"}
                        with http.stream("POST", "/v1/audio/speech", json=body) as answer:
                            data = b"".join(answer.iter_raw())
                        ok = answer.status_code == 200 and len(data) > 24000
                    else:
                        answer = http.post("/v1/audio/speech", json=body)
                        ok = answer.status_code == 200 and decode_audio(answer.content)[0].size > 0
                except (httpx.HTTPError, ValueError):
                    ok = False
                with lock:
                    (good if ok else bad)[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return good[0], bad[0], time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cache-mb", default="64", help="the server's answer cache")
    args = parser.parse_args()
    with voice_server("--queue-size", str(args.clients * 2), "--cache-mb", args.cache_mb) \
            as server, \
            httpx.Client(base_url=server.url, timeout=300) as http:
        # warm-up: the model loaded, and three requests from every client at once in the
        # load's own mix, so the memory after warm-up holds the load's working set (buffers of
        # sixteen answers in flight); what the run adds beyond it is what the server keeps
        load(server.url, args.clients, 3 * args.clients, first=10_000)
        warm_mb = rss_mb(server.process.pid)

        health: list[float] = []
        done = threading.Event()

        def watch() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as probe:
                while not done.is_set():
                    started = time.monotonic()
                    probe.get("/health")
                    health.append(time.monotonic() - started)
                    time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        good, bad, seconds = load(server.url, args.clients, args.requests)
        done.set()
        watcher.join()
        after_mb = rss_mb(server.process.pid)
        cache_mb = server.metric("voice_cache_bytes") / 2 ** 20

        firsts, wholes = [], []
        for k in range(5):
            text = f"{THREE} Take {k}."
            started = time.monotonic()
            with http.stream("POST", "/v1/audio/speech",
                             json={"model": "piper", "input": text, "response_format": "pcm",
                                   "stream_format": "audio"}) as answer:
                chunks = answer.iter_raw()
                next(chunks)
                firsts.append(time.monotonic() - started)
                for _ in chunks:
                    pass
            started = time.monotonic()
            http.post("/v1/audio/speech", json={"model": "piper", "input": f"{text} Again.",
                                                 "response_format": "pcm"})
            wholes.append(time.monotonic() - started)

        hits = []
        body = {"model": "piper", "input": text_for(0), "response_format": "wav"}
        http.post("/v1/audio/speech", json=body)
        for _ in range(20 if float(args.cache_mb) > 0 else 0):
            started = time.monotonic()
            answer = http.post("/v1/audio/speech", json=body)
            hits.append(time.monotonic() - started)
            assert answer.headers["X-Cache"] == "hit"

    first, whole = statistics.median(firsts), statistics.median(wholes)
    rows = [
        ("requests answered / sent", f"{good} / {args.requests}", f"{args.requests}",
         good == args.requests and bad == 0),
        ("failed or lost", f"{bad}", "0", bad == 0),
        ("load wall time, s", f"{seconds:.1f}", "", True),
        ("/health p50 / p99 during load, ms",
         f"{percentile(health, 0.5) * 1000:.1f} / {percentile(health, 0.99) * 1000:.1f}",
         "p99 < 50", percentile(health, 0.99) < 0.05),
        ("3 sentences: stream first audio / whole answer, s (median of 5)",
         f"{first:.3f} / {whole:.3f} = {first / whole:.2f}", "<= 0.50", first / whole <= 0.5),
        ("cache hit, ms (median of 20)",
         f"{statistics.median(hits) * 1000:.1f}" if hits else "cache off", "< 5",
         bool(hits) and statistics.median(hits) < 0.005),
        ("memory after warm-up / after the run, MB", f"{warm_mb:.0f} / {after_mb:.0f} "
         f"(+{after_mb - warm_mb:.0f})", "+ <= 100", after_mb - warm_mb <= 100),
        ("  of which answers held by the cache, MB", f"{cache_mb:.1f}", "", True),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'measured':>24}  {'target':>9}  met")
    for name, value, target, ok in rows:
        print(f"{name:<{width}}  {value:>24}  {target:>9}  {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
