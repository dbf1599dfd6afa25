"""A source's sandbox served in its own process (``acme serve``) for the benchmarks.

Its own process, so the sandbox's work never competes with the measured tap for the GIL.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
ACME = Path(sys.executable).parent / "acme"


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 600) -> None:
    """Wait for the sandbox to answer (larger worlds take a while to build)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"sandbox exited with {server.returncode}")
        try:
            requests.get(f"{url}/_sandbox/clock", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("sandbox did not start")


@contextlib.contextmanager
def served(source: str, *, scale: float, seed: int, anchor: str, options: Sequence[str] = ()) -> Iterator[str]:
    """``acme serve <source>`` on a free port for the block; yields its base URL."""
    port = free_port()
    command = [str(ACME), "serve", source, "--port", str(port), "--scale", str(scale), "--seed", str(seed)]
    command += ["--anchor", anchor, *options]
    server = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
