# JupyterLab server settings of the lab image. The token comes from $JUPYTER_TOKEN (start.sh makes sure
# one exists); it is always required, and no password login replaces it.
import hashlib
import hmac
import os

c = get_config()  # noqa: F821  (injected by Jupyter)

c.ServerApp.ip = "0.0.0.0"  # inside the container; `make lab` publishes the port on 127.0.0.1 only
c.ServerApp.port = 8888
c.ServerApp.open_browser = False
c.ServerApp.root_dir = "/home/student/work"
c.ServerApp.allow_remote_access = False
c.PasswordIdentityProvider.allow_password_change = False
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash", "-l"]}
# The token page in French, saying to run `make url` on the host (templates/login.html).
c.ServerApp.extra_template_paths = ["/etc/jupyter/templates"]

# `make lab` keeps the token across restarts (scripts/lab.sh); the login cookie's secret follows it, so an open
# tab reloaded after `make stop` / `make lab` stays logged in. A new token (make lab NEW_TOKEN=1) logs every tab out.
_token = os.environ.get("JUPYTER_TOKEN", "")
if _token:
    c.ServerApp.cookie_secret = hmac.new(_token.encode(), b"pytorch-gpu-lab login cookie", hashlib.sha256).digest()
