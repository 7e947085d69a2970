"""The class hub's code, a package on the host so that tests import it by name (from hub.classroom import ...);
the hub image copies these files flat into /srv/jupyterhub, where they import each other as top-level modules."""
