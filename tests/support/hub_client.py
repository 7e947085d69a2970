"""A student (or the teacher) talking to the hub as a browser and a notebook do: real HTTP, real kernel websocket.

Used by the hub tests (tests/hub) and `make measure-hub`: the login form or the REST API, spawning a server, the
contents API of the student's own server, and running code in a kernel (tests/support/kernel.py).
"""

from __future__ import annotations

import http.cookiejar
import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from tests.support.kernel import execute

_NO_VERIFY = ssl._create_unverified_context()  # tests use self-signed certificates on loopback only


@dataclass
class Reply:
    status: int
    body: str
    url: str = ""

    def json(self):
        return json.loads(self.body)


@dataclass
class HubUser:
    """One user of the hub at `base` (e.g. http://127.0.0.1:8000), with its own cookies and, once logged in
    through the REST API, its own API token."""

    base: str
    name: str
    token: str | None = None
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self):
        self.base = self.base.rstrip("/")
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                   urllib.request.HTTPSHandler(context=_NO_VERIFY))
        self._plain_opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=_NO_VERIFY))

    def request(self, method: str, path: str, body=None, token: str | None = None, form: dict | None = None,
                headers: dict | None = None, timeout: float = 60, cookies: bool = True) -> Reply:
        """One HTTP request (redirects followed, cookies kept unless `cookies=False`); the user's token unless
        another one is given."""
        data, all_headers = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        token = token if token is not None else self.token
        if token:
            all_headers["Authorization"] = f"token {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        opener = self._opener if cookies else self._plain_opener
        try:
            with opener.open(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode("utf-8", "replace"), response.url)
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode("utf-8", "replace"), error.url)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:  # hub (re)starting: no HTTP reply
            return Reply(0, str(error), self.base + path)

    # --- logging in ---

    def login_form(self, password: str) -> Reply:
        """The login page as a browser submits it (xsrf cookie + form field); the hub sets its session cookies."""
        self.request("GET", "/hub/login")
        xsrf = next((cookie.value for cookie in self.cookies if cookie.name == "_xsrf"), "")
        return self.request("POST", "/hub/login?next=", form={"username": self.name, "password": password,
                                                               "_xsrf": xsrf})

    def logged_in(self) -> bool:
        return any(cookie.name == "jupyterhub-session-id" for cookie in self.cookies) and any(
            cookie.name.startswith("jupyterhub-hub-login") for cookie in self.cookies)

    def login_api(self, password: str) -> Reply:
        """REST login: username and password in the body of a token request; keeps the token on success."""
        reply = self.request("POST", f"/hub/api/users/{self.name}/tokens", token="", cookies=False,
                             body={"auth": {"username": self.name, "password": password}, "note": "hub client"})
        if reply.status in (200, 201):
            self.token = reply.json()["token"]
        return reply

    # --- the user's server ---

    def server(self) -> dict:
        return self.request("GET", f"/hub/api/users/{self.name}").json().get("servers", {}).get("", {})

    def start_server(self) -> Reply:
        return self.request("POST", f"/hub/api/users/{self.name}/server", body={})

    def stop_server(self) -> Reply:
        return self.request("DELETE", f"/hub/api/users/{self.name}/server")

    def wait_ready(self, timeout: float = 300) -> float:
        """Seconds until the server answers its own API through the proxy; AssertionError after `timeout`."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.request("GET", f"/user/{self.name}/api/status", timeout=10).status == 200:
                return time.monotonic() - start
            time.sleep(0.5)
        raise AssertionError(f"{self.name}'s server did not answer within {timeout:.0f}s: {self.server()}")

    def wait_stopped(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.server():
                return
            time.sleep(1)
        raise AssertionError(f"{self.name}'s server still exists after {timeout:.0f}s: {self.server()}")

    def contents(self, path: str, owner: str | None = None) -> Reply:
        return self.request("GET", f"/user/{owner or self.name}/api/contents/{path}")

    def write_file(self, path: str, text: str, owner: str | None = None) -> Reply:
        return self.request("PUT", f"/user/{owner or self.name}/api/contents/{path}",
                            body={"type": "file", "format": "text", "content": text})

    def run_code(self, code: str, timeout: float = 180, owner: str | None = None, kernel: str | None = None) -> str:
        """Run `code` over the kernel websocket and return its stdout: in `kernel`, or in a new kernel that is
        deleted afterwards."""
        prefix = f"/user/{owner or self.name}"
        own_kernel = kernel is None
        if own_kernel:
            reply = self.request("POST", f"{prefix}/api/kernels", body={"name": "python3"}, timeout=timeout)
            assert reply.status == 201, f"kernel start: {reply.status} {reply.body[:300]}"
            kernel = reply.json()["id"]
        ws_url = self.base.replace("http", "ws", 1) + f"{prefix}/api/kernels/{kernel}/channels"
        try:
            return execute(ws_url, self.token, code, timeout, username=self.name).stdout
        finally:
            if own_kernel:
                self.request("DELETE", f"{prefix}/api/kernels/{kernel}")
