"""hub/jupyterhub_config.py as the hub loads it (in the hub image, real traitlets config), for what the other
tests cannot reach on a machine without a GPU: the GPU requests of HUB_GPU=shared and per-student."""

from __future__ import annotations

import json

from hubtest import HUB_IMAGE

from labtools.policy import DEFAULTS
from tests.support.processes import docker

LOAD = """
import json, types
from traitlets.config import Config
config = Config()
namespace = {"get_config": lambda: config, "__file__": "/srv/jupyterhub/jupyterhub_config.py"}
exec(open("/srv/jupyterhub/jupyterhub_config.py").read(), namespace)
def host_config(name):
    spawner = types.SimpleNamespace(user=types.SimpleNamespace(name=name), log=types.SimpleNamespace(info=print))
    return config.DockerSpawner.extra_host_config(spawner)
print(json.dumps({name: host_config(name).get("device_requests") for name in ("alice", "bob", "chloe", "teacher")}))
"""


def load_config(tmp_path, **env: str) -> dict:
    (tmp_path / "roster.csv").write_text("alice\nbob\nchloe\n")
    secrets = tmp_path / "secrets"
    secrets.mkdir(exist_ok=True)
    for name, value in (("class-password", "classpass12"), ("admin-password", "a" * 40), ("status-token", "t" * 64)):
        (secrets / name).write_text(value)
    settings = {name: value for name, value in DEFAULTS.items() if name.startswith("HUB_")}  # as hub.sh passes them
    settings.update(HUB_NAME="cfg-test", HUB_LAB_IMAGE="lab", **env)
    flags = [arg for key, value in settings.items() for arg in ("-e", f"{key}={value}")]
    out = docker("run", "--rm", "--network", "none", *flags,
                 "-v", f"{tmp_path / 'roster.csv'}:/srv/jupyterhub/roster.csv:ro",
                 "-v", f"{secrets}:/srv/jupyterhub/secrets:ro", "--entrypoint", "python", HUB_IMAGE, "-c", LOAD).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_gpu_policies_become_docker_device_requests(tmp_path):
    assert set(load_config(tmp_path, HUB_GPU="none").values()) == {None}
    shared = load_config(tmp_path, HUB_GPU="shared")
    assert all(request == [{"Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]]}] for request in shared.values())
    per_student = load_config(tmp_path, HUB_GPU="per-student", HUB_GPU_DEVICES="GPU-aaa,MIG-bbb")
    devices = {name: request[0]["DeviceIDs"] for name, request in per_student.items()}
    assert devices == {"alice": ["GPU-aaa"], "bob": ["MIG-bbb"], "chloe": ["GPU-aaa"], "teacher": ["GPU-aaa"]}
