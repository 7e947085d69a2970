"""The class's login: JupyterHub's shared-password authenticator, with the typed name normalised *before* it is
compared with the admin list.

The stock SharedPasswordAuthenticator (JupyterHub 5.5) checks `data["username"] in admin_users` on the name as
typed, and JupyterHub lowercases it only afterwards: `Teacher` + the class password passed as a non-admin login,
then became the session of user `teacher`, which the real teacher's next login made admin. Here the name is
normalised once (Unicode NFKC, so full-width letters become ASCII; invisible format characters removed; spaces
stripped; case folded) and that same name is both compared with the admin list and returned to JupyterHub, so
an admin name, however it is typed, needs the teacher's password. Used by `make hub` and by the Kubernetes
values (deploy/k8s/values.yaml mounts this file into the chart's hub).
"""

from __future__ import annotations

import unicodedata
from secrets import compare_digest

from jupyterhub.authenticators.shared import SharedPasswordAuthenticator


def canonical_name(typed: str) -> str:
    """The one form of a typed username: NFKC, without format characters (zero-width spaces, joiners, BOM),
    stripped, case-folded."""
    name = unicodedata.normalize("NFKC", typed)
    name = "".join(char for char in name if unicodedata.category(char) != "Cf")
    return name.strip().casefold()


class ClassAuthenticator(SharedPasswordAuthenticator):
    """Students log in with the class password, the teacher (admin_users) only with the admin password."""

    def normalize_username(self, username: str) -> str:
        return super().normalize_username(canonical_name(username))

    async def authenticate(self, handler, data):
        name = self.normalize_username(data.get("username") or "")
        password = data.get("password") or ""
        if not name:
            return None
        if name in {self.normalize_username(admin) for admin in self.admin_users}:
            if self.admin_password and compare_digest(password.encode(), self.admin_password.encode()):
                return {"name": name, "admin": True}
            return None  # the class password never opens an admin name
        if self.user_password and compare_digest(password.encode(), self.user_password.encode()):
            return {"name": name, "admin": False}
        return None
