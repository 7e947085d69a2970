"""Is the lab's Jupyter server up: GET /api/status with the token, written once for the doctor, the image's
HEALTHCHECK (docker/healthcheck.py) and `make lab`'s wait (`python -m labtools.jupyter PORT`, token from the
JUPYTER_TOKEN variable; exit 0 when it answers 200)."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def token() -> str | None:
    """The hub's API token for a single-user server (make hub), else JUPYTER_TOKEN (make lab), else the file the
    image's start script writes when it generated one."""
    for variable in ("JUPYTERHUB_API_TOKEN", "JUPYTER_TOKEN"):
        if os.environ.get(variable):
            return os.environ[variable]
    for home in (Path.home(), Path("/home/student")):
        try:
            return (home / ".jupyter-token").read_text().strip() or None
        except OSError:
            continue
    return None


def api_status(port: int, token: str | None, host: str = "127.0.0.1", timeout: float = 5,
               prefix: str | None = None) -> tuple[int | None, str]:
    """(HTTP status, body) of /api/status under `prefix` (a hub's single-user server: JUPYTERHUB_SERVICE_PREFIX);
    (None, "refused" | "timeout" | reason) when nothing answers."""
    prefix = prefix if prefix is not None else os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    request = urllib.request.Request(f"http://{host}:{port}{prefix}api/status",
                                     headers={"Authorization": f"token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except urllib.error.URLError as error:
        if isinstance(error.reason, ConnectionRefusedError):
            return None, "refused"
        return None, str(error.reason)
    except TimeoutError:
        return None, "timeout"
    except OSError as error:
        return None, str(error)


if __name__ == "__main__":
    code, _ = api_status(int(sys.argv[1]), token(), timeout=float(sys.argv[2]) if len(sys.argv) > 2 else 5)
    sys.exit(0 if code == 200 else 1)
