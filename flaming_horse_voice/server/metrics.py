"""The server's Prometheus metrics (prometheus-client), in a registry of its own so two servers
in one process (tests) do not share counts."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# seconds: from a cache hit (milliseconds) to a long text on a CPU (a minute)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.requests = Counter("voice_requests", "Speech requests answered, by HTTP status",
                                ["status", "stream"], registry=registry)
        self.characters = Counter("voice_characters", "Characters of input spoken",
                                  registry=registry)
        self.cache = Counter("voice_cache_lookups", "Answer cache lookups", ["result"],
                             registry=registry)
        self.queue_wait = Histogram("voice_queue_wait_seconds", "Time a request waited in the "
                                    "queue before its synthesis started", buckets=BUCKETS,
                                    registry=registry)
        self.first_audio = Histogram("voice_time_to_first_audio_seconds", "Time from a "
                                     "request's arrival to its first audio", ["stream"],
                                     buckets=BUCKETS, registry=registry)
        self.total = Histogram("voice_request_seconds", "Time from a request's arrival to its "
                               "last byte", ["stream"], buckets=BUCKETS, registry=registry)
        self.loads = Counter("voice_model_loads", "Times the model was loaded",
                             registry=registry)
        self.unloads = Counter("voice_model_unloads", "Times the model was unloaded (idle)",
                               registry=registry)
        self.load_seconds = Histogram("voice_model_load_seconds", "How long a model load took",
                                      buckets=BUCKETS, registry=registry)
        self.queue_depth = Gauge("voice_queue_depth", "Requests waiting for the synthesis thread",
                                 registry=registry)
        self.loaded = Gauge("voice_model_loaded", "1 while the model is loaded",
                            registry=registry)
        self.cache_bytes = Gauge("voice_cache_bytes", "Bytes held by the answer cache",
                                 registry=registry)

    def loaded_once(self, seconds: float) -> None:
        self.loads.inc()
        self.load_seconds.observe(seconds)

    def text(self) -> bytes:
        return generate_latest(self.registry)
