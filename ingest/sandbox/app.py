"""The sandbox as one FastAPI app: Telegram and Twilio emulators plus the control API over shared state."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ingest.sandbox import control, telegram, twilio
from ingest.sandbox.errors import ProviderError
from ingest.sandbox.middleware import FaultInjector
from ingest.sandbox.state import SandboxState


async def _provider_error(_: Request, error: Exception) -> JSONResponse:
    """Answer a provider error in that provider's own shape."""
    if not isinstance(error, ProviderError):
        raise error
    return error.response()


def create_app(state: SandboxState | None = None) -> FastAPI:
    """Build the app; pass a state to share it with the caller, as SandboxServer does."""
    app = FastAPI(title="Tocsin sandbox", summary="Loopback Telegram Bot API and Twilio Messages API emulators")
    app.state.sandbox = state or SandboxState()
    app.include_router(telegram.router)
    app.include_router(twilio.router)
    app.include_router(control.router)
    app.add_exception_handler(ProviderError, _provider_error)
    app.add_middleware(FaultInjector, faults=app.state.sandbox.faults)
    return app
