"""When and how long to retry an HTTP request: the one policy of the speech client
(``backends/http.py``) and the LLM client (``flaming_horse.authoring.llm.client``).

Rate limits (429), timeouts the server reports (408, 425) and server errors (5xx) may pass on
another try; so may a dropped connection or a timeout here. Waits grow exponentially, or follow
the server's Retry-After (seconds or an HTTP date)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

RETRY_STATUS = frozenset({408, 425, 429})  # and every 5xx


def retryable(status: int) -> bool:
    """Whether an HTTP answer with this status may succeed when asked again."""
    return status in RETRY_STATUS or status >= 500


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``attempts`` requests in all, waiting ``backoff`` * 2**n between them
    (or what Retry-After asks), never longer than ``max_wait`` seconds at a time."""

    attempts: int = 5
    backoff: float = 1.0
    max_wait: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        return min(self.backoff * 2 ** (attempt - 1), self.max_wait)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
