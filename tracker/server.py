"""The dashboard as Streamlit's ASGI app, with the response headers every page and file needs.

``tracker serve`` runs this file with ``streamlit run``. Streamlit serves downloads with
``Content-Disposition: attachment`` but sends no ``X-Content-Type-Options``; the middleware
below adds ``nosniff`` to every response, so a browser never second-guesses a file's type (an
uploaded "text file" holding HTML is never run as a page).
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_FILE = Path(__file__).resolve().parent / "app.py"


class NoSniffMiddleware:
    """Adds ``X-Content-Type-Options: nosniff`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"x-content-type-options"
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


app = st.App(APP_FILE, middleware=[Middleware(NoSniffMiddleware)])
