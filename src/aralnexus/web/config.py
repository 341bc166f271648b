"""What the web application is configured with: store, scenario folders, queue and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import aralnexus

#: Hosts a browser on this machine uses for a loopback server.
LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1", "[::1]")


def repository_examples() -> Path | None:
    """Return the repository's ``examples/`` folder when aralnexus runs from a checkout, else ``None``."""
    folder = Path(aralnexus.__file__).resolve().parents[2] / "examples"
    return folder if folder.is_dir() else None


@dataclass(frozen=True)
class WebConfig:
    """Settings of one web application.

    Parameters
    ----------
    store
        The run store (DuckDB file); created on first use like the CLI's.
    scenarios
        Folder of the user's scenario files: listed, edited and saved there only.
    examples
        Folder of the example scenarios (read-only in the browser); ``None`` for none.
    workers
        Optimisations that run at the same time (one worker process each).
    max_queue
        Runs that may wait for a worker; one more is refused with HTTP 429.
    max_body_bytes
        Largest request body accepted (HTTP 413 above it).
    allowed_hosts
        ``Host`` header values accepted (protects a loopback server from DNS rebinding).
    """

    store: Path
    scenarios: Path
    examples: Path | None = field(default_factory=repository_examples)
    workers: int = 1
    max_queue: int = 4
    max_body_bytes: int = 256 * 1024
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
