"""Docker HEALTHCHECK: healthy when the Jupyter server in this container answers /api/status with our token
(under JupyterHub: the server's own hub token, at the server's URL prefix)."""

import json
import os
import sys
import urllib.request
from pathlib import Path


def token() -> str:
    token = os.environ.get("JUPYTERHUB_API_TOKEN") or os.environ.get("JUPYTER_TOKEN", "")
    if not token:
        stored = Path("/home/student/.jupyter-token")
        token = stored.read_text().strip() if stored.exists() else ""
    return token


def main() -> int:
    port = os.environ.get("JUPYTER_PORT", "8888")
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{prefix}api/status", headers={"Authorization": f"token {token()}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            status = json.load(response)
    except Exception as error:  # any failure means "not healthy yet"; say why in `docker inspect`
        print(f"unhealthy: {error}")
        return 1
    print(f"healthy: {status.get('connections', 0)} connection(s), {status.get('kernels', 0)} kernel(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
