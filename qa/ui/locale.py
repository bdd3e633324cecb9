"""Gradio's own interface strings in Chinese for every visitor, whatever the browser's language."""
from __future__ import annotations

from .guard import rewrite_page

# Gradio picks its language from navigator.language when its scripts start; this runs first, in <head>.
FIRST_SCRIPT = (b"<script>for (const [k, v] of [['language', 'zh-CN'], ['languages', ['zh-CN', 'zh']]])"
                b" Object.defineProperty(navigator, k, {get: () => v});</script>")


class ChinesePage:
    """ASGI middleware: the page (GET /) is served with FIRST_SCRIPT at the top of its <head>."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("method") == "GET" and scope.get("path", "").rstrip("/") == "":
            return await rewrite_page(self.app, scope, receive, send,
                                      lambda page: page.replace(b"<head>", b"<head>" + FIRST_SCRIPT, 1))
        return await self.app(scope, receive, send)
