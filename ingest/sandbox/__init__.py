"""Loopback emulators of the Telegram Bot API and Twilio's Messages API, with a control API to drive them."""

from ingest.sandbox.app import create_app
from ingest.sandbox.server import SandboxServer, serve
from ingest.sandbox.state import SandboxState

__all__ = ["SandboxServer", "SandboxState", "create_app", "serve"]
