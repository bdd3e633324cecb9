"""Requests only from the page itself: a trusted Host for every request, the same origin for every change.

DNS rebinding reaches a loopback server under a foreign name, so the Host header must be one of ours;
a page on another origin (another port or subdomain of the same site) can send the admin's cookie with a
POST, so a state-changing request that carries an Origin must come from the host it was sent to."""
from __future__ import annotations

import ipaddress
import json
import math
import re
import socket
import time
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost; not 「127.0.0.1.example.com」."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def trusted_hosts(bind: str, extra=()) -> set[str]:
    """The names this server may be reached by: loopback, the address it binds, the names given, and for
    0.0.0.0 or :: the machine's own name and addresses."""
    hosts = {*LOOPBACK_NAMES, *(h.strip().lower() for h in extra if h.strip())}
    if bind in ("0.0.0.0", "::", ""):
        name = socket.gethostname()
        hosts |= {name.lower(), socket.getfqdn().lower()}
        try:
            hosts |= set(socket.gethostbyname_ex(name)[2])
        except OSError:
            pass
    else:
        hosts.add(bind.lower())
    return hosts


def _host_of(value: str) -> str:
    """The name in a Host header or an origin's netloc, without port or brackets, lower-case."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def session_token(headers: dict) -> str | None:
    """The Gradio session token in a request's cookie (named access-token…), if any."""
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return None
    return next((m.value for name, m in jar.items() if name.startswith("access-token")), None)


# The page's HTML carries the whole API schema; a visitor who has not logged in gets the login form only.
API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.S)
NO_API_INFO = b'window.gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};</script>'


async def rewrite_page(app, scope, receive, send, edit) -> None:
    """Run the app for one request and send its body changed by edit(bytes) -> bytes (with a new length)."""
    start, body = {}, []

    async def holding(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body"):
            return
        page = edit(b"".join(body))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
        await send({"type": "http.response.body", "body": page})

    await app(scope, receive, holding)


# Failed logins per client address (names are throttled in qa.ui.users): more than this many within
# ADDRESS_WINDOW seconds and that address waits out the window.
ADDRESS_FAILURES, ADDRESS_WINDOW = 20, 300.0


class TrustedRequests:
    """ASGI middleware: 400 for an untrusted Host, 403 for a change sent from another origin or a file sent
    by someone who may not upload, 429 for an address that keeps failing to log in."""

    def __init__(self, app, hosts: set[str] | None, may_upload=None, signed_in=None, sessions=None):
        self.app, self.may_upload = app, may_upload      # may_upload(headers) -> bool: who may send files
        self.signed_in = signed_in      # signed_in(headers) -> bool; None: no logins, nothing to hide
        self.sessions = sessions        # .logged_in(token, address) and .seen(token) (qa.ui.sessions)
        self.hosts = None if hosts is None else {h.lower() for h in hosts}     # None: any Host
        self.failed: dict[str, list[float]] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if self.hosts is not None and _host_of(host) not in self.hosts and not is_loopback(_host_of(host)):
            return await self._refuse(scope, send, 400, f"不受信任的访问地址（Host: {host[:80]}）：请用服务器的"
                                      "正式地址访问，或由管理员用 --trusted-host 加入")
        origin = headers.get("origin")
        changes = scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS
        if changes and origin is not None and urlsplit(origin).netloc.lower() != host.lower():
            return await self._refuse(scope, send, 403, "拒绝来自其他网页的请求（Origin 与本站不同）")
        path = scope.get("path", "").rstrip("/")
        if changes and path.endswith("/gradio_api/upload") and self.may_upload and not self.may_upload(headers):
            # Gradio's own upload route takes any logged-in user's files (50 MB each, no count limit)
            return await self._refuse(scope, send, 403, "只有管理员可以上传文件")
        if scope["type"] == "http" and scope.get("method") == "POST" and path.endswith("/login"):
            return await self._login(scope, receive, send)
        if self.sessions is not None and (token := session_token(headers)):
            self.sessions.seen(token)
        if (self.signed_in is not None and scope["type"] == "http" and scope.get("method") == "GET"
                and path == "" and not self.signed_in(headers)):
            return await self._without_api_info(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _without_api_info(self, scope, receive, send):
        await rewrite_page(self.app, scope, receive, send, lambda page: API_INFO.sub(NO_API_INFO, page, count=1))

    async def _login(self, scope, receive, send):
        address, now = (scope.get("client") or ("?",))[0], time.monotonic()
        if len(self.failed) > 10_000:       # many addresses: forget those whose window has passed
            self.failed = {a: ts for a, ts in self.failed.items() if ts and now - ts[-1] < ADDRESS_WINDOW}
        recent = [t for t in self.failed.get(address, []) if now - t < ADDRESS_WINDOW]
        self.failed[address] = recent
        if len(recent) >= ADDRESS_FAILURES:
            wait = math.ceil(recent[0] + ADDRESS_WINDOW - now)
            return await self._refuse(scope, send, 429, f"这个地址登录失败次数过多：请 {wait} 秒后再试")
        status = []

        async def watching(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
                if message["status"] == 200 and self.sessions is not None:
                    cookies = {"cookie": "; ".join(v.decode("latin-1").split(";", 1)[0]
                                                   for k, v in message.get("headers", []) if k.lower() == b"set-cookie")}
                    if token := session_token(cookies):
                        self.sessions.logged_in(token, address)
            await send(message)

        await self.app(scope, receive, watching)
        if status and status[0] == 400:
            self.failed.setdefault(address, []).append(now)
        elif status and status[0] == 200:
            self.failed.pop(address, None)

    @staticmethod
    async def _refuse(scope, send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
