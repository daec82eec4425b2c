"""Running the sandbox: in a background thread for tests and the demo, or in the foreground for the CLI."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from types import TracebackType
from typing import TYPE_CHECKING

from ingest.sandbox.app import create_app
from ingest.sandbox.state import SandboxState

if TYPE_CHECKING:
    import uvicorn

_STARTUP_TIMEOUT_S = 10.0
_SHUTDOWN_TIMEOUT_S = 5.0


class SandboxServer:
    """The sandbox on a free loopback port in a daemon thread; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: SandboxState | None = None) -> None:
        self.state = state or SandboxState()
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. http://127.0.0.1:54321, to hand to the clients and the control API."""
        return f"http://{self._host}:{self._port}"

    def start(self) -> SandboxServer:
        """Bind the port, start serving, and return once the control API answers."""
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self._port = sock.getsockname()[1]
        self._socket = sock
        config = uvicorn.Config(
            create_app(self.state),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, name="tocsin-sandbox", daemon=True)
        self._thread.start()
        self._wait_until_up()
        return self

    def stop(self) -> None:
        """End long polls, stop serving and join the thread; safe to call twice."""
        if self._server is None or self._thread is None:
            return
        self.state.telegram.close()
        self._server.should_exit = True
        self._thread.join(_SHUTDOWN_TIMEOUT_S)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> SandboxServer:
        """Start, so `with SandboxServer() as sandbox:` hands over a running sandbox."""
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Stop, whatever happened inside the block."""
        self.stop()

    def _wait_until_up(self) -> None:
        """Poll the health endpoint until it answers, failing fast if the server thread died."""
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while time.monotonic() < deadline and self._thread.is_alive():
            if self._server.started:
                with urllib.request.urlopen(f"{self.url}/control/health", timeout=2) as response:
                    if response.status == 200:
                        return
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"sandbox did not start on {self.url}")


def serve(host: str = "127.0.0.1", port: int = 8787) -> None:
    """Run the sandbox in the foreground until interrupted, for `tocsin sandbox`."""
    import uvicorn

    # Bot API paths carry the bot token, so per-request access lines stay off.
    uvicorn.run(create_app(), host=host, port=port, log_level="info", access_log=False, timeout_graceful_shutdown=1)
