"""``flaming-horse serve-voice``: a voice backend behind OpenAI's speech API, for a team with one
GPU machine and many laptops (projects point their ``http`` voice at it).

- ``app``: the routes, the checks of a request, whole and streamed answers;
- ``synth``: the one thread that speaks, its bounded queue, lazy load and idle unload;
- ``encode``: audio files and streams; ``stores``: the answer cache and cloning references;
- ``metrics``: Prometheus counters and histograms; ``main``: uvicorn and graceful shutdown.

FastAPI, uvicorn, prometheus-client and cachetools come with the ``serve`` extra and are only
imported when the server runs.
"""
