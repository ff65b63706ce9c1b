"""Real `layerlab serve` processes for end-to-end tests, and a websocket client that never reads.

Each server runs in its own session (process group), so a test can kill it the way a
crash or a terminal would: the server alone (SIGTERM), or the server with its worker
(SIGKILL or SIGINT to the group). `ServerPool` always ends what it started.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from server.client import LayerLabClient

ROOT = Path(__file__).resolve().parents[2]
STARTUP_S = 60.0  # a loaded two-core machine imports torch slowly


def free_port() -> int:
    """A TCP port nobody listens on right now (the server retries if it is taken meanwhile)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _exited(pid: int) -> bool:
    """Whether the child has exited, without reaping it (its pid stays reserved)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None


class Server:
    """One `python -m server.cli serve` subprocess on a free port and a data directory."""

    def __init__(self, data_dir: Path, log: Path, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.log_path = log
        self.env = env
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's process id (the leader of its process group)."""
        assert self.process is not None
        return self.process.pid

    def client(self, timeout: float = 30.0) -> LayerLabClient:
        """A LayerLabClient of this server."""
        return LayerLabClient(self.url, timeout=timeout)

    def log(self) -> str:
        """The server's output so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self) -> Server:
        """Start and wait until GET /api/health answers; retry on a port taken meanwhile."""
        for _ in range(3):
            self.port = free_port()
            with self.log_path.open("ab") as out:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "server.cli",
                        "serve",
                        "--port",
                        str(self.port),
                        "--data-dir",
                        str(self.data_dir),
                        "--log-level",
                        "warning",
                    ],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_healthy():
                return self
            self.close()
            if "address already in use" not in self.log().lower():
                break
        raise AssertionError(f"layerlab serve did not come up; its output:\n{self.log()[-4000:]}")

    def _wait_healthy(self) -> bool:
        """Poll /api/health until it answers (True) or the process ends (False)."""
        client = self.client(timeout=5.0)
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process is None or _exited(self.pid):
                return False
            try:
                client.health()
            except OSError:
                time.sleep(0.05)
            else:
                return True
        raise AssertionError(f"no health answer in {STARTUP_S} s:\n{self.log()[-4000:]}")

    def rss_bytes(self) -> int:
        """The server process's resident memory (VmRSS)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS line")

    def signal_group(self, sig: signal.Signals) -> None:
        """Send a signal to the server and its worker together (as a terminal's Ctrl-C does)."""
        if self.process is not None and not _exited(self.pid):
            os.killpg(self.pid, sig)

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for the server to exit, then end what is left of its group; its exit code."""
        assert self.process is not None
        if self.process.returncode is not None:
            return self.process.returncode
        deadline = time.monotonic() + timeout
        while not _exited(self.pid):
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not exit in {timeout} s:\n{self.log()[-4000:]}")
            time.sleep(0.05)
        # The leader is a zombie, not yet reaped, so its group id cannot have been reused:
        # whatever still runs in the group is this server's (an orphaned worker).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        return self.process.wait()

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM to the server alone (a graceful shutdown: the worker checkpoints)."""
        assert self.process is not None
        if not _exited(self.pid):
            self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> int:
        """SIGKILL to the whole group: the server and its worker die at once."""
        self.signal_group(signal.SIGKILL)
        return self.wait(10.0)

    def close(self) -> None:
        """End the server however it can be ended; never raises."""
        if self.process is None:
            return
        try:
            if self.process.returncode is None:
                try:
                    self.terminate(timeout=20.0)
                except AssertionError:
                    self.kill()
        except Exception:  # a finalizer must not mask the test's own failure
            with contextlib.suppress(Exception):
                self.process.kill()
                self.process.wait(5)


class ServerPool:
    """Servers of one test: `start()` as many as needed; all end when the pool closes."""

    def __init__(self, base: Path, **env: str) -> None:
        self.base = base
        self.env = {
            **os.environ,
            "LAYERLAB_DEVICE": "cpu",
            "LAYERLAB_TORCH_THREADS": "1",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        self.servers: list[Server] = []

    def start(self, data_dir: Path | None = None, **env: str) -> Server:
        """A running server on `data_dir` (default: the pool's own), with extra env vars."""
        index = len(self.servers)
        data = data_dir or self.base / "data"
        server = Server(data, self.base / f"server-{index}.log", {**self.env, **env})
        self.servers.append(server)
        return server.start()

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for server in self.servers:
            server.close()


def wait_for(check: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll check() until it is truthy; fail on timeout (like conftest.wait_until, longer)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def checkpoint_step(path: Path) -> int:
    """The optimizer step a checkpoint file holds."""
    from safetensors import safe_open  # noqa: PLC0415 - only the resilience tests need it

    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata()
    return int(json.loads(meta["layerlab"])["step_count"])


class SlowViewer:
    """A websocket client at the socket level that subscribes, then never reads a byte.

    A tiny receive buffer makes the server's sends back up at once, as they would for
    a viewer on a stalled network.
    """

    def __init__(self, port: int, path: str, rcvbuf: int = 4096) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30.0)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:  # byte by byte: leave the first frames unread
            chunk = self.sock.recv(1)
            if not chunk:
                raise AssertionError(f"handshake cut short: {head!r}")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"websocket refused: {head!r}")

    @property
    def local_port(self) -> int:
        """This client's port (to find the server's end of the connection)."""
        port: int = self.sock.getsockname()[1]
        return port

    def send_json(self, message: dict[str, Any]) -> None:
        """One masked text frame, as a client must send it."""
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x81, 0x80 | size)
        elif size < 1 << 16:
            header = struct.pack("!BBH", 0x81, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x81, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def close(self) -> None:
        """Drop the connection without a closing handshake."""
        with contextlib.suppress(OSError):
            self.sock.close()


def _server_sockets(server_port: int, client_ports: set[int]) -> list[tuple[int, int]]:
    """(state, bytes unsent or unacknowledged) of the server's sockets towards these ports."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, state, queues = fields[1], fields[2], fields[3], fields[4]
                if (
                    int(local.rsplit(":", 1)[1], 16) == server_port
                    and int(remote.rsplit(":", 1)[1], 16) in client_ports
                ):
                    found.append((int(state, 16), int(queues.split(":")[0], 16)))
    return found


def server_send_queue(server_port: int, client_ports: set[int]) -> int:
    """Bytes the server's kernel holds unsent or unacknowledged towards these client ports."""
    return sum(queued for _, queued in _server_sockets(server_port, client_ports))


def server_connected(server_port: int, client_port: int) -> bool:
    """Whether the server holds an open connection to this client port."""
    established = 1  # TCP_ESTABLISHED in /proc/net/tcp
    return any(state == established for state, _ in _server_sockets(server_port, {client_port}))
