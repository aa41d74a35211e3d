"""Run the voice server on uvicorn, with the shutdown the API promises: on SIGTERM or Ctrl-C the
queued requests get 503 at once, the one being spoken (and every response already streaming)
finishes, then the process exits."""

from __future__ import annotations

import ipaddress
import logging
import sys
from typing import Any

from flaming_horse.errors import FlamingHorseError
from flaming_horse_voice.server.app import TOKEN_ENV, ServerConfig, VoiceServer

GRACE_SECONDS = 120  # the longest an in-flight request may take to finish on shutdown


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None, open_ok: bool) -> None:
    """Without a token, only this machine may speak to the server, unless asked otherwise."""
    if token is None and not loopback(host) and not open_ok:
        raise FlamingHorseError(
            f"refusing to serve on {host} without a token: anyone who reaches it could use it",
            hint=f"export {TOKEN_ENV}=<a long random string> (clients send it as their API "
                 "key), or pass --allow-unauthenticated on a network you trust")


def serve(config: ServerConfig, host: str, port: int, *, open_ok: bool = False,
          log_level: str = "info") -> None:
    import uvicorn

    check_exposure(host, config.token, open_ok)
    server = VoiceServer(config)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))  # one JSON object a line
    logger = logging.getLogger("flaming_horse.voice_server")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            server.synth.drain()  # queued: 503 now; the one being spoken finishes
            super().handle_exit(sig, frame)

    settings = uvicorn.Config(server.app, host=host, port=port, log_level=log_level,
                              timeout_graceful_shutdown=GRACE_SECONDS, access_log=False)
    try:
        Server(settings).run()
    finally:
        server.close()
