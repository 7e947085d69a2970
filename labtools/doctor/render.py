"""The report for people: flutter/brew doctor style, colour only on a terminal (and never with NO_COLOR), a
readable ASCII fallback for terminals that cannot print ✓ ✗ or French accents."""

from __future__ import annotations

import os
import sys

MAX_ITEMS = 15  # named sub-lines printed under a check without -v


def _supports(stream, text: str) -> bool:
    try:
        text.encode(stream.encoding or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def render(report: dict, verbose: bool, stream=None) -> str:
    """The report as the terminal shows it: a section per scope, one line per check, its fix under ! and ✗."""
    stream = stream or sys.stdout
    fancy = _supports(stream, "✓✗→•Â")
    glyph = {"ok": "✓", "warn": "!", "fail": "✗", "na": "–"} if fancy else {"ok": "OK", "warn": "!", "fail": "X",
                                                                               "na": "-"}
    color = stream.isatty() and not os.environ.get("NO_COLOR")
    paint = {"ok": "\033[32m", "warn": "\033[33m", "fail": "\033[31m", "na": "\033[2m"}

    def g(status):
        return f"{paint[status]}{glyph[status]}\033[0m" if color else glyph[status]

    lines = ["Diagnostic du PyTorch GPU Lab (make doctor)"]
    section = None
    src = report.get("env_source")
    not_applicable: list[str] = []  # checks that do not apply here: one quiet line per section, not one each

    def flush_not_applicable():
        if not_applicable:
            lines.append(f"[{g('na')}] Sans objet sur cette plateforme : {', '.join(not_applicable)}")
            not_applicable.clear()

    for c in report["checks"]:
        scope = c.get("scope", "host")
        if c["status"] == "na":
            not_applicable.append(c["title"])
            continue
        if scope != section:
            flush_not_applicable()
            section = scope
            kind = {"container": "conteneur", "image": "image", "local": "Python"}.get((src or {}).get("kind"), "")
            where = f" ({kind} {src['name']})" if scope == "env" and src else ""
            lines.append("")
            lines.append("Hôte" if scope == "host" else f"Environnement{where}")
            if verbose and scope == "env" and src and src.get("command"):
                lines.append(f"    • commande : {' '.join(src['command'])}")
        lines.append(f"[{g(c['status'])}] {c['title']} : {c['detail']}")
        items = c.get("items") or []
        shown = items if verbose or len(items) <= MAX_ITEMS else items[: MAX_ITEMS - 1]
        lines += [f"    {item}" for item in shown]
        if len(shown) < len(items):
            lines.append(f"    … et {len(items) - len(shown)} autre(s) (-v pour tout voir)")
        if verbose:
            lines += [f"    • {d}" for d in c.get("details") or []]
        if c["status"] != "ok" and c.get("fix"):
            lines.append(f"    {'→' if fancy else '->'} Correctif : {c['fix']}")
    flush_not_applicable()
    s = report["summary"]
    lines.append("")
    if s["fail"]:
        lines.append(f"{g('fail')} Le docteur a trouvé {s['fail']} problème(s) et {s['warn']} avertissement(s) "
                     f"({s['ok']}/{s['total']} vérifications OK). Appliquez les correctifs puis relancez make doctor.")
    elif s["warn"]:
        lines.append(f"{g('warn')} Aucun problème bloquant, {s['warn']} avertissement(s) ({s['ok']}/{s['total']} OK).")
    else:
        lines.append(f"{g('ok')} Tout est en ordre ({s['total']} vérifications).")
    text = "\n".join(lines)
    if not fancy:  # an ASCII-only terminal: keep French readable (é -> e, ≥ -> >=) rather than print '?'
        import unicodedata

        for u, a in (("≥", ">="), ("≠", "!="), ("→", "->"), ("…", "..."), ("«", '"'), ("»", '"'), ("✗", "X")):
            text = text.replace(u, a)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text
