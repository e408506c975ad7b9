"""A real gunicorn process serving the API on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    packages_dir: Path | None = None,
    cache_dir: Path | None = None,
    workers: int = 2,
    port: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 60,
) -> Iterator[str]:
    """Start `opendata serve` and yield its base URL; stop it on exit.

    `port` fixes the port (so URLs survive a restart); `env` adds environment variables.
    """
    port = port or free_port()
    extra = env or {}
    env = {**os.environ, **extra}
    if cache_dir is not None:
        env["OPENDATA_CACHE_DIR"] = str(cache_dir)
        if "OPENDATA_RELEASES_DIR" not in extra:
            # Releases next to the cache, so each test server publishes (once) into its own folder.
            env["OPENDATA_RELEASES_DIR"] = str(Path(cache_dir) / "releases")
    command = [sys.executable, "-m", "opendata", "serve", "--port", str(port), "--workers", str(workers)]
    if packages_dir is not None:
        command += ["--packages", str(packages_dir)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {process.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/v1/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer within {timeout:g} s") from None
                time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stderr:
            process.stderr.close()
