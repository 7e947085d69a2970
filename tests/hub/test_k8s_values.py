"""deploy/k8s/values.yaml against the Zero to JupyterHub chart's own schema, as `helm install` checks it (the
chart's schema and defaults are vendored in deploy/k8s/z2jh), and against what `make hub` does."""

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from labtools import policy

pytestmark = pytest.mark.pure

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "k8s" / "z2jh"
VALUES = REPO / "deploy" / "k8s" / "values.yaml"


def merged(defaults: dict, overrides: dict) -> dict:
    """Helm's merge: the chart's defaults, overridden key by key (maps merged, lists replaced)."""
    out = dict(defaults)
    for key, value in overrides.items():
        both_maps = isinstance(value, dict) and isinstance(defaults.get(key), dict)
        out[key] = merged(defaults[key], value) if both_maps else value
    return out


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load((CHART / "values.schema.yaml").read_text())


# What the README's `helm upgrade --install` adds on its command line (--set-file, --set-string).
PROGRESS_FILES = {"progress-service": "hub/progress_service.py", "progress-store": "hub/progress_store.py",
                  "progress-classroom": "hub/classroom.py", "progress-exercises": "hub/exercises.json",
                  "progress-roster": "hub/class.example.csv"}
INSTALL_OVERRIDES = {"hub": {
    "extraFiles": {"class-authenticator": {"stringData": (REPO / "hub" / "authenticator.py").read_text()},
                   **{key: {"stringData": (REPO / path).read_text()} for key, path in PROGRESS_FILES.items()}},
    "config": {"SharedPasswordAuthenticator": {"user_password": "classpass12", "admin_password": "a" * 40}}}}


@pytest.fixture(scope="module")
def values():
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    return merged(merged(defaults, yaml.safe_load(VALUES.read_text())), INSTALL_OVERRIDES)


def test_values_pass_the_chart_schema(schema, values):
    jsonschema.validate(values, schema)


def test_the_schema_check_can_fail(schema, values):
    broken = merged(values, {"singleuser": {"uid": "1000", "storage": {"capacity": 5}}})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_a_student_on_kubernetes_gets_what_make_hub_gives(values):
    """The same user, command, work folder and idle timeout as the Docker hub (hub/jupyterhub_config.py, the
    defaults of labtools/defaults.env): a class moved to Kubernetes finds its lab where it was."""
    config = (REPO / "hub" / "jupyterhub_config.py").read_text()
    single = values["singleuser"]
    assert single["uid"] == policy.IMAGE_STUDENT_ID
    assert f'c.DockerSpawner.cmd = ["{single["cmd"]}"]' in config
    assert f'WORK = "{single["storage"]["homeMountPath"]}"' in config
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == float(policy.DEFAULTS["HUB_IDLE_MINUTES"]) * 60


def test_the_readme_installs_the_class_authenticator_file():
    readme = (REPO / "README.md").read_text()
    assert "--set-file hub.extraFiles.class-authenticator.stringData=hub/authenticator.py" in readme
    hub = yaml.safe_load(VALUES.read_text())["hub"]
    mount = hub["extraFiles"]["class-authenticator"]["mountPath"]
    snippet = hub["extraConfig"]["class-authenticator"]
    assert f'sys.path.insert(0, "{mount.rpartition("/")[0]}")' in snippet
    assert "c.JupyterHub.authenticator_class = ClassAuthenticator" in snippet
    assert "authenticator_class" not in hub["config"].get("JupyterHub", {})  # not the stock shared-password


def pin(lock: Path, package: str) -> str:
    match = re.search(rf"^{package}==([^\s;\\]+)", lock.read_text(), re.MULTILINE)
    assert match, f"{package} is not pinned in {lock}"
    return match.group(1)


def test_one_jupyterhub_version_for_lab_hub_and_chart():
    chart_app_version = yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]
    lab, hub = pin(REPO / "requirements.txt", "jupyterhub"), pin(REPO / "hub" / "requirements.txt", "jupyterhub")
    assert lab == hub, "the lab's jupyterhub-singleuser and the hub must be the same version"
    assert lab.split(".")[:2] == chart_app_version.split(".")[:2], (
        f"jupyterhub {lab} in the image, but the chart runs JupyterHub {chart_app_version}")


def test_the_progress_service_is_there_as_with_make_hub(values):
    hub = values["hub"]
    service = hub["services"]["progress"]
    assert service["url"] == "http://hub:10101" and service["command"][1].endswith("/progress_service.py")
    mounted = {entry["mountPath"].rsplit("/", 1)[1] for entry in hub["extraFiles"].values()}
    assert {"progress_service.py", "progress_store.py", "classroom.py", "exercises.json"} <= mounted
    assert "access:services!service=progress" in hub["config"]["Spawner"]["server_token_scopes"]
    assert "access:services!service=progress" in hub["loadRoles"]["user"]["scopes"]
    assert values["singleuser"]["extraEnv"]["LAB_PROGRESS_URL"].startswith("http://hub:10101/services/progress/")
    assert {"port": 10101, "targetPort": 10101, "name": "progress"} in hub["service"]["extraPorts"]
    readme = (REPO / "README.md").read_text()
    for key, path in PROGRESS_FILES.items():
        if key != "progress-roster":
            assert f"--set-file hub.extraFiles.{key}.stringData={path}" in readme
