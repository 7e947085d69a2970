"""The environment part seen from the host: run `python -m labtools.doctor --env-only --json` in the running lab
container (`docker exec`), else in a throw-away container of the image (`docker run --rm`, with the GPU when the host
can give one), and read its checks back."""

from __future__ import annotations

import json

from labtools.doctor.gpu import TOOLKIT_FIX
from labtools.doctor.host import HostFacts
from labtools.doctor.model import FAIL, WARN, Check, CmdResult, check_from_json, run_cmd, tail

IN_IMAGE_DOCTOR = ["python", "-m", "labtools.doctor", "--env-only", "--json"]


def unchecked(reason: str, fix: str) -> Check:
    return Check("environment", WARN, "Environnement du lab", f"non vérifié : {reason}", fix, scope="env")


def parse_env_report(r: CmdResult, source: dict) -> list[Check]:
    """The checks of the in-image report, or one failing `environment` check that says what went wrong."""
    try:
        start = 0 if r.stdout.startswith("{") else r.stdout.find("\n{") + 1
        return [check_from_json(row) for row in json.loads(r.stdout[start:])["checks"]]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        fix = ("reconstruisez l'image : make rebuild" if "labtools" in r.stderr or r.rc in (126, 127)
               else "regardez le message ci-dessus ; en dernier recours : make rebuild")
        return [Check("environment", FAIL, "Environnement du lab",
                      f"le diagnostic dans {source['kind']} {source['name']} a échoué (code {r.rc}) : "
                      f"{tail(r.stderr, 3) or tail(r.stdout, 3)}", fix, scope="env")]


def run_env_in_lab(f: HostFacts, expect_cuda: str, names: list[str], today: str | None
                   ) -> tuple[list[Check], dict | None]:
    """The environment checks `names` (all when empty) run where the lab runs; (checks, where they ran)."""
    if not f.docker_ok:
        return [unchecked("Docker est injoignable", "réparez Docker (voir plus haut) puis relancez make doctor")], None
    args = [*IN_IMAGE_DOCTOR, *(["--today", today] if today else []), *names]
    if f.container_running:
        if expect_cuda == "auto":
            expect_cuda = "yes" if f.gpu_usable and f.container_gpu else "no"
        source = {"kind": "container", "name": f.container,
                  "command": ["docker", "exec", f.container, *args, "--expect-cuda", expect_cuda,
                              "--expect-jupyter", "yes"]}
        return parse_env_report(run_cmd(source["command"], 180), source), source
    if f.image_inspect is None:
        return [unchecked("l'image n'est pas construite", "construisez-la (make build) puis relancez make doctor")], None
    source = {"kind": "image", "name": f.image}
    base = ["docker", "run", "--rm", "--entrypoint", "python", f.image, *args[1:], "--expect-jupyter", "no"]
    extra = []
    if (f.gpu_usable if expect_cuda == "auto" else expect_cuda == "yes"):
        source["command"] = [*base[:3], "--gpus", "all", *base[3:], "--expect-cuda", "yes"]
        r = run_cmd(source["command"], 300)
        if r.rc == 0 or "{" in r.stdout:
            return parse_env_report(r, source), source
        extra = [Check("gpu-container", FAIL, "GPU dans les conteneurs",
                       f"docker run --gpus all a échoué : {tail(r.stderr, 2)}",
                       f"{TOOLKIT_FIX} ; le lab tourne en mode CPU en attendant")]
    source["command"] = [*base, "--expect-cuda", "no" if expect_cuda == "auto" else expect_cuda]
    return extra + parse_env_report(run_cmd(source["command"], 300), source), source
