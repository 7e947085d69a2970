"""`make hub-status`, run in the hub container: who has a server, since when, idle for how long (French: the
teacher reads it).

Reads the hub's REST API on its loopback with the `hub-status` service token (read-only scopes).
"""

from __future__ import annotations

import json
import sys
import urllib.request
from datetime import UTC, datetime

from classroom import read_roster

API = "http://127.0.0.1:8081/hub/api"


def ago(timestamp: str | None, now: datetime) -> str:
    if not timestamp:
        return "-"
    seconds = int((now - datetime.fromisoformat(timestamp)).total_seconds())
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


def main() -> int:
    with open("/srv/jupyterhub/secrets/status-token", encoding="utf-8") as file:
        token = file.read().strip()
    request = urllib.request.Request(f"{API}/users?state=active", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        users = json.load(response)
    names = {student.name: student.display_name for student in read_roster("/srv/jupyterhub/roster.csv")}
    now = datetime.now(UTC)
    rows = [(user["name"], names.get(user["name"], "(enseignant)"), server.get("started"), server.get("last_activity"),
             "prêt" if server.get("ready") else "démarre")
            for user in users for server in user.get("servers", {}).values()]
    print(f"{len(rows)} serveur(s) en marche, {len(names)} élève(s) dans la liste")
    if rows:
        print(f"  {'identifiant':<20} {'nom':<28} {'état':<8} {'démarré le (UTC)':<20} {'depuis':>11} {'inactif':>9}")
    for name, display, started, last, state in sorted(rows):
        started_text = started[:19].replace("T", " ") if started else "-"
        print(f"  {name:<20} {display[:28]:<28} {state:<8} {started_text:<20} {ago(started, now):>11} {ago(last, now):>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
