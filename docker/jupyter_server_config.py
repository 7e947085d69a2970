# JupyterLab server settings of the lab image. The token comes from $JUPYTER_TOKEN (start.sh makes sure
# one exists); it is always required, and no password login replaces it.
c = get_config()  # noqa: F821  (injected by Jupyter)

c.ServerApp.ip = "0.0.0.0"  # inside the container; `make lab` publishes the port on 127.0.0.1 only
c.ServerApp.port = 8888
c.ServerApp.open_browser = False
c.ServerApp.root_dir = "/home/student/work"
c.ServerApp.allow_remote_access = False
c.PasswordIdentityProvider.allow_password_change = False
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash", "-l"]}
