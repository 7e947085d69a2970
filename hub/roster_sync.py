"""The roster is the law at every hub start: users the roster no longer lists are deleted from the hub's database
before JupyterHub reads it, with their API tokens, OAuth codes, sharing and cookie id (JupyterHub's ORM cascades).

JupyterHub alone keeps them: users already in its database stay allowed (`Authenticator.allow_existing_users`)
and their tokens keep working. Their running server containers are stopped by scripts/hub.sh, which also keeps
their work volumes and says how to remove them.
"""

from __future__ import annotations

import os


def forget_users_not_in(db_file: str, keep: set[str], log=print) -> list[str]:
    """Delete every user of the SQLite database `db_file` whose name is not in `keep`; return their names.
    A hub that has never started has no database yet, and nothing to forget."""
    if not os.path.exists(db_file):
        return []
    from jupyterhub import orm  # the hub image's JupyterHub

    session = orm.new_session_factory(f"sqlite:///{db_file}")()
    try:
        gone = [user for user in session.query(orm.User) if user.name not in keep]
        for user in gone:
            log(f"roster: {user.name} is no longer on the roster; deleting the user and its tokens")
            session.delete(user)
        session.commit()
        return [user.name for user in gone]
    finally:
        session.close()
