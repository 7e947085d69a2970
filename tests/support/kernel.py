"""Running code in a Jupyter kernel as a notebook does: an `execute_request` over the kernel's websocket, then its
output and reply. Used by the hub tests (through hub_client) and `make measure`. Needs `websocket-client`
(tests/requirements-host.txt)."""

from __future__ import annotations

import datetime
import json
import ssl
import time
import uuid
from dataclasses import dataclass


def execute_request(code: str, session: str, username: str = "lab-tests") -> dict:
    """A Jupyter `execute_request` message as the kernel websocket's JSON protocol carries it."""
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": "execute_request", "session": session,
                   "username": username, "version": "5.3",
                   "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }


def reply_to(message: dict, msg_id: str) -> str | None:
    """What `message` is for the request msg_id: 'reply' (execute_reply), 'stdout' or 'stderr' (printed output),
    'error', 'idle' (the kernel is done with it); None for anything else or another request."""
    if message.get("parent_header", {}).get("msg_id") != msg_id:
        return None
    kind = message.get("msg_type") or message.get("header", {}).get("msg_type")
    content = message.get("content", {})
    if kind == "execute_reply":
        return "reply"
    if kind == "stream" and content.get("name") in ("stdout", "stderr"):
        return content["name"]
    if kind == "error":
        return "error"
    if kind == "status" and content.get("execution_state") == "idle":
        return "idle"
    return None


@dataclass
class Execution:
    stdout: str
    stderr: str
    reply: dict  # the execute_reply's content: status "ok" or "error" (ename, evalue)


class KernelError(AssertionError):
    """The code raised in the kernel."""


def execute(ws_url: str, token: str, code: str, timeout: float = 180, username: str = "lab-tests") -> Execution:
    """Run `code` in the kernel at ws_url (ws[s]://host/.../api/kernels/ID/channels) until both its execute_reply
    (shell channel) and the kernel's return to idle (iopub: all output sent) have come, in either order;
    KernelError when the code raised, AssertionError without both within `timeout`."""
    import websocket  # websocket-client

    session = uuid.uuid4().hex
    separator = "&" if "?" in ws_url else "?"
    connection = websocket.create_connection(f"{ws_url}{separator}session_id={session}", timeout=timeout,
                                             header=[f"Authorization: token {token}"],
                                             sslopt={"cert_reqs": ssl.CERT_NONE})  # self-signed, loopback only
    try:
        request = execute_request(code, session, username)
        connection.send(json.dumps(request))
        msg_id, out, reply = request["header"]["msg_id"], {"stdout": [], "stderr": []}, None
        error, idle, deadline = None, False, time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(connection.recv())
            kind = reply_to(message, msg_id)
            if kind in out:
                out[kind].append(message["content"]["text"])
            elif kind == "error":
                error = f"{message['content']['ename']}: {message['content']['evalue']}"
            elif kind == "reply":
                reply = message["content"]
            elif kind == "idle":
                idle = True
            if idle and reply is not None:
                if error or reply.get("status") != "ok":
                    raise KernelError(f"kernel error: {error or reply}")
                return Execution("".join(out["stdout"]), "".join(out["stderr"]), reply)
        raise AssertionError(f"no reply from the kernel within {timeout:.0f}s")
    finally:
        connection.close()
