"""Docker HEALTHCHECK: healthy when the Jupyter server in this container answers /api/status with our token
(under JupyterHub: the server's own hub token, at the server's URL prefix)."""

import json
import os
import sys

from labtools import jupyter


def main() -> int:
    code, body = jupyter.api_status(int(os.environ.get("JUPYTER_PORT", "8888")), jupyter.token(), timeout=4)
    if code != 200:  # say why in `docker inspect`
        print(f"unhealthy: {code or body}")
        return 1
    status = json.loads(body or "{}")
    print(f"healthy: {status.get('connections', 0)} connection(s), {status.get('kernels', 0)} kernel(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
