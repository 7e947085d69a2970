"""The teacher's progress page: a JupyterHub managed service (tornado, the hub's Python), at /services/progress/.

* ``POST api/events`` — a student's server posts its check events with the student's own server token; the
  student's name comes from the token (HubAuth), never from the body. Ids make a repeated post harmless.
* ``GET /`` (the page), ``GET api/progress`` (JSON), ``GET progress.csv`` — the teacher and the admins only
  (HubOAuth login through the hub; anyone else gets 403).

    python progress_service.py          run the service (the hub starts it; see jupyterhub_config.py)
    python progress_service.py table    print the table (`make hub-progress`)

Settings (environment): PROGRESS_DB (SQLite file in the hub's data volume), PROGRESS_TEACHERS (comma-separated
usernames; admins always), PROGRESS_ROSTER (the roster file); JupyterHub gives the service its own variables.
"""

from __future__ import annotations

import html
import json
import os
import sys
import time
import traceback
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import progress_store as store  # noqa: E402  (the folder of this file is put on the path just above)
from classroom import read_roster  # noqa: E402

DB_PATH = os.environ.get("PROGRESS_DB", "/srv/jupyterhub/data/progress.sqlite")
ROSTER = os.environ.get("PROGRESS_ROSTER", "/srv/jupyterhub/roster.csv")
TEACHERS = {name.strip().lower() for name in os.environ.get("PROGRESS_TEACHERS", "").split(",") if name.strip()}
REFRESH_SECONDS = 5
PREFIX = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/progress/")


def roster() -> list[tuple[str, str]]:
    """(username, display name) of the roster, read at each request: a new roster shows at once."""
    return [(student.name, student.display_name) for student in read_roster(ROSTER)]


def page(table: store.Table, sort: str, prefix: str, now: float | None = None) -> str:
    """The French page: one row per student, one column per exercise grouped by part; refreshes itself."""
    e = html.escape
    links = " · ".join(f'<a href="?tri={key}"{" class=on" if key == sort else ""}>{label}</a>' for key, label in (
        ("blocage", "les bloqués d'abord"), ("progression", "par progression"), ("nom", "par nom")))
    head_parts = "".join(f'<th colspan="{count}" class="part">{e(title)}</th>' for title, count in table.groups())
    head_names = "".join(f'<th class="ex" title="{e(part)} / {e(name)}"><span>{e(name)}</span></th>'
                         for part, name in table.columns)
    rows = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            cell = row.cells.get(column, store.Cell())
            label = {"passed": "réussi", "failed": f"{cell.failures} essai(s) raté(s)", "not_done": "commencé"}.get(
                cell.state or "", "pas encore vérifié")
            cells.append(f'<td class="c {cell.state or "none"}" title="{e(column[1])} : {label}">{cell.symbol}</td>')
        stuck = f'<span class="stuck">bloqué</span> {e(row.stuck)}' if row.stuck else ""
        hint = (f'<span class="ex-name">{e(row.last_hint_exercise)}</span> : {e(store.one_line(row.last_hint))}'
                if row.last_hint else "")
        rows.append(f'<tr class="{"is-stuck" if row.stuck else ""}" data-user="{e(row.name)}">'
                    f'<th class="who">{e(row.display_name)}<small>{e(row.name)}</small></th>'
                    f'<td class="done">{row.done}/{len(table.columns)}</td>'
                    f'<td class="flag">{stuck}</td>'
                    f'<td class="hint" title="{e(store.one_line(row.last_hint, 1000))}">{hint}</td>'
                    f'<td class="last">{e(store.when(row.last_activity, now))}</td>{"".join(cells)}</tr>')
    stuck_count = sum(1 for row in table.rows if row.stuck)
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>Progression de la classe</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem; color: #222; }}
h1 {{ font-size: 1.3rem; margin: 0 0 .3rem; }}
p {{ margin: .3rem 0; }} a.on {{ font-weight: bold; }}
table {{ border-collapse: collapse; font-size: .85rem; }}
th, td {{ border: 1px solid #ccc; padding: 2px 4px; }}
th.part {{ background: #eef; }} th.ex {{ height: 8rem; vertical-align: bottom; font-weight: normal; }}
th.ex span {{ writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }}
th.who {{ text-align: left; white-space: nowrap; }} th.who small {{ display: block; color: #777; font-weight: normal; }}
td.c {{ text-align: center; white-space: nowrap; min-width: 1.6rem; }}
td.passed {{ background: #e6f6e6; }} td.failed {{ background: #fde8e8; }} td.not_done {{ background: #fff8e0; }}
tr.is-stuck th.who, tr.is-stuck td.flag {{ background: #fbd0d0; }}
.stuck {{ background: #c00; color: #fff; padding: 0 4px; border-radius: 3px; font-weight: bold; }}
td.hint {{ min-width: 14rem; max-width: 22rem; font-size: .75rem; }}
td.flag, td.last {{ white-space: nowrap; font-size: .8rem; }}
</style></head><body>
<h1>Progression de la classe</h1>
<p>{len(table.rows)} élève(s), {len(table.columns)} exercice(s) ; {stuck_count} élève(s) bloqué(s).
Mise à jour automatique toutes les {REFRESH_SECONDS} s (dernière : {time.strftime("%H:%M:%S")}).</p>
<p>Cellules : ✅ réussi, ❌ n : n essais ratés, ⏳ commencé mais pas terminé, vide : pas encore vérifié.
<strong>{e(store.STUCK_RULES)}</strong></p>
<p>Trier : {links} · <a href="{e(prefix)}progress.csv">exporter en CSV (Excel)</a></p>
<table id="progress"><thead>
<tr><th rowspan="2">Élève</th><th rowspan="2">Réussis</th><th rowspan="2">Bloqué ?</th>
<th rowspan="2">Dernier indice reçu</th><th rowspan="2">Dernière activité</th>{head_parts}</tr>
<tr>{head_names}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>"""


def table_as_json(table: store.Table) -> dict:
    return {"stuck_rules": store.STUCK_RULES, "columns": [list(column) for column in table.columns],
            "students": [{"name": row.name, "display_name": row.display_name, "done": row.done, "stuck": row.stuck,
                          "last_activity": row.last_activity, "last_hint": row.last_hint,
                          "cells": {f"{part}/{name}": {"state": cell.state, "failures": cell.failures}
                                    for (part, name), cell in row.cells.items()}} for row in table.rows]}


def make_app(db_path: str = DB_PATH):
    """The service's whole application (imports JupyterHub's auth: slow on a loaded machine, see main)."""
    from tornado import web

    app = web.Application(**settings())
    app.add_handlers(".*", handlers(db_path))
    return app


def settings() -> dict:
    from jupyterhub.utils import url_path_join

    return {"cookie_secret": os.urandom(32), "login_url": url_path_join(PREFIX, "oauth_callback")}


def handlers(db_path: str) -> list:
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
    from jupyterhub.utils import url_path_join
    from tornado import web

    db = store.connect(db_path)
    prefix = PREFIX

    class Base(HubOAuthenticated, web.RequestHandler):
        def write_error(self, status_code: int, **kwargs) -> None:
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish({403: "Accès refusé : cette page est réservée à l'enseignant.",
                         400: "Requête refusée : " + str(getattr(kwargs.get("exc_info", [None, None])[1],
                                                                  "log_message", "") or "")}.get(
                status_code, f"Erreur {status_code}"))

    class TeacherHandler(Base):
        def teacher(self) -> dict:
            user = self.current_user
            if user is None:
                raise web.HTTPError(403)
            if user["name"].lower() not in TEACHERS and not user.get("admin"):
                raise web.HTTPError(403)
            return user

        def table(self) -> store.Table:
            return store.build_table(db, roster(), self.get_argument("tri", "blocage"))

    class PageHandler(TeacherHandler):
        @web.authenticated
        def get(self) -> None:
            self.teacher()
            self.set_header("Cache-Control", "no-store")
            self.finish(page(self.table(), self.get_argument("tri", "blocage"), prefix))

    class ProgressApi(TeacherHandler):
        @web.authenticated
        def get(self) -> None:
            self.teacher()
            self.finish(table_as_json(self.table()))

    class CsvHandler(TeacherHandler):
        @web.authenticated
        def get(self) -> None:
            self.teacher()
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", f'attachment; filename="progression-{time.strftime("%Y%m%d-%H%M")}'
                                                   '.csv"')
            self.finish(store.to_csv(self.table()).encode("utf-8"))

    class EventsApi(Base):
        def check_xsrf_cookie(self) -> None:
            """Only token-authenticated posts reach this API (no cookie): there is no form to forge."""

        def post(self) -> None:
            user = self.current_user  # from the Authorization header's token: the student's own server token
            if user is None or "Authorization" not in self.request.headers:
                raise web.HTTPError(403)
            try:
                events = store.clean(json.loads(self.request.body or b"null").get("events"))
            except (ValueError, AttributeError, store.BadEvents) as error:
                raise web.HTTPError(400, str(error)) from None
            added = store.add_events(db, user["name"], events)
            self.finish({"received": len(events), "added": added})

    return [
        (prefix, PageHandler),
        (url_path_join(prefix, "api/progress"), ProgressApi),
        (url_path_join(prefix, "api/events"), EventsApi),
        (url_path_join(prefix, "progress.csv"), CsvHandler),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ]


def main(argv: list[str]) -> int:
    if argv[1:2] == ["table"]:
        db = store.connect(DB_PATH)
        print(store.to_text(store.build_table(db, roster(), argv[2] if len(argv) > 2 else "blocage")))
        return 0
    serve()
    return 0


def serve() -> None:
    """Listen at once, then load JupyterHub's auth in a thread and add the real pages.

    The hub gives a managed service about 10 s to answer HTTP and exits if it does not; importing
    jupyterhub.services.auth alone took longer than that with a class's servers starting on 2 cores. Until
    the pages are added, every request gets the French "starting" answer below (not a 5xx for GET, which
    is what the hub's check needs; 503 for a student's post, which its sender retries).
    """
    import importlib

    from tornado import web
    from tornado.ioloop import IOLoop

    ready = False

    class Starting(web.RequestHandler):
        def prepare(self) -> None:
            if ready:  # the real pages are there: anything else is simply unknown
                raise web.HTTPError(404)

        def get(self) -> None:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
                        '<meta http-equiv="refresh" content="2"><title>Progression de la classe</title></head>'
                        '<body><p>Le suivi de la classe démarre ; la page se recharge toute seule.</p></body></html>')

        def post(self) -> None:
            self.set_status(503)
            self.set_header("Retry-After", "5")
            self.finish({"error": "Le suivi de la classe démarre ; réessayez dans quelques secondes."})

        def check_xsrf_cookie(self) -> None:
            """Nothing is done here: the post is refused."""

    app = web.Application(default_handler_class=Starting)
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app.listen(url.port, address=os.environ.get("PROGRESS_BIND", "0.0.0.0"), xheaders=True)
    loop = IOLoop.current()

    async def load() -> None:
        nonlocal ready
        try:
            await loop.run_in_executor(None, importlib.import_module, "jupyterhub.services.auth")
            app.settings.update(settings())
            app.add_handlers(".*", handlers(DB_PATH))
        except Exception:  # noqa: BLE001  (an unreadable database, a broken install: never "starting" forever)
            traceback.print_exc()
            print("progress service: could not start; exiting so that the hub restarts it", file=sys.stderr,
                  flush=True)
            os._exit(1)
        ready = True
        print("progress service: ready", file=sys.stderr, flush=True)

    loop.add_callback(load)
    loop.start()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
