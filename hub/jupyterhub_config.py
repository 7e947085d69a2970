# JupyterHub for a class (`make hub`): DockerSpawner starts the lab image once per student, on the hub's
# private Docker network, with a named volume as the student's work folder; SharedPasswordAuthenticator lets
# only the roster in; jupyterhub-idle-culler stops idle servers. Every setting comes from the environment
# that scripts/hub.sh gives the hub container, every one of them (their defaults: labtools/defaults.env, which
# hub.sh reads; no second copy here).
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from authenticator import ClassAuthenticator
from classroom import device_for, read_roster
from roster_sync import forget_users_not_in
from spawner import BOOT_HOLD_SECONDS, QueuedDockerSpawner, starts_at_once

c = get_config()  # noqa: F821  (injected by JupyterHub)

NAME = os.environ["HUB_NAME"]  # prefix of everything this hub creates: containers, volumes, network
ADMIN = os.environ["HUB_ADMIN"]
DATA = "/srv/jupyterhub/data"  # the hub's own volume: database and cookie secret, never mounted in a student's
SECRETS = "/srv/jupyterhub/secrets"  # read-only, from the host's HUB_STATE_DIR (mode 0600)
WORK = "/home/student/work"


def secret(name: str) -> str:
    with open(os.path.join(SECRETS, name), encoding="utf-8") as file:
        return file.read().strip()


students = read_roster("/srv/jupyterhub/roster.csv", admin=ADMIN)
roster_index = {student.name: index for index, student in enumerate(students)}

# --- the hub and its proxy (configurable-http-proxy, started by the hub, API on the hub's loopback only) ---
c.JupyterHub.bind_url = "http://:8000"
if os.path.exists("/srv/jupyterhub/tls/cert.pem"):
    c.JupyterHub.bind_url = "https://:8000"
    c.JupyterHub.ssl_cert = "/srv/jupyterhub/tls/cert.pem"
    c.JupyterHub.ssl_key = "/srv/jupyterhub/tls/key.pem"
c.JupyterHub.hub_bind_url = "http://0.0.0.0:8081"
c.JupyterHub.hub_connect_url = f"http://{NAME}:8081"  # the hub container's name on the private network
c.JupyterHub.db_url = f"sqlite:///{DATA}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{DATA}/jupyterhub_cookie_secret"
# A hub restart (new roster, new hub image, `docker restart`) leaves the students' servers running.
c.JupyterHub.cleanup_servers = False
c.JupyterHub.last_activity_interval = 60

# --- who may log in (hub/authenticator.py: the typed name is normalised before the admin check) ---
c.JupyterHub.authenticator_class = ClassAuthenticator
c.ClassAuthenticator.user_password = secret("class-password")
c.ClassAuthenticator.admin_password = secret("admin-password")
c.Authenticator.allowed_users = set(roster_index)
c.Authenticator.admin_users = {ADMIN}

# --- the roster is the law (hub/roster_sync.py): who left it is deleted, tokens included, before the hub starts ---
c.Authenticator.allow_existing_users = False
forget_users_not_in(f"{DATA}/jupyterhub.sqlite", set(roster_index) | {ADMIN})

# --- what students and the teacher see: French pages with the course's name (hub/templates/ extend the stock
# ones, which stay reachable as "templates/<name>.html") ---
c.JupyterHub.template_paths = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")]
c.JupyterHub.template_vars = {"course": os.environ["HUB_COURSE"]}

# --- a dead server is noticed within 5 s (JupyterHub's default poll is every 30 s); its address then shows
# hub/templates/not_running.html, in French, with a restart button ---
c.Spawner.poll_interval = 5
c.Spawner.poll_jitter = 0.1

# --- one lab container per student (hub/spawner.py: DockerSpawner whose servers boot a few at a time, in order) ---
c.JupyterHub.spawner_class = QueuedDockerSpawner
c.QueuedDockerSpawner.concurrent_starts = starts_at_once(os.environ["HUB_CONCURRENT_STARTS"])
c.DockerSpawner.image = os.environ["HUB_LAB_IMAGE"]
c.DockerSpawner.pull_policy = "never"  # the image is built locally (`make build`), never pulled
c.DockerSpawner.prefix = NAME
c.DockerSpawner.network_name = f"{NAME}-net"
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True  # the container goes, the work volume stays: a rebuilt image is used at next start
c.DockerSpawner.cmd = ["jupyterhub-singleuser"]  # behind the image's start script (user remap, notebook seeding)
c.DockerSpawner.notebook_dir = WORK
c.DockerSpawner.default_url = "/lab"
c.DockerSpawner.volumes = {f"{NAME}-work-{{username}}": WORK}
c.DockerSpawner.extra_create_kwargs = {"labels": {"org.pytorch-lab.role": "hub-student", "org.pytorch-lab.hub": NAME}}
c.DockerSpawner.mem_limit = os.environ["HUB_MEM_LIMIT"].upper()  # JupyterHub wants 2G, not 2g
c.DockerSpawner.cpu_limit = float(os.environ["HUB_CPU_LIMIT"])
c.Spawner.start_timeout = c.Spawner.http_timeout = int(os.environ["HUB_SPAWN_TIMEOUT"])
# JupyterHub counts a student's time in the start queue (hub/spawner.py) as start time: allow, on top, the longest
# wait the queue can impose on the last of the class (each slot is held BOOT_HOLD_SECONDS at most).
c.Spawner.start_timeout += math.ceil(len(students) / c.QueuedDockerSpawner.concurrent_starts) * BOOT_HOLD_SECONDS
host_config = {
    # no swap beyond the memory limit (Docker's default MemorySwap is twice the memory where the host has swap)
    "memswap_limit": c.DockerSpawner.mem_limit,
    "pids_limit": int(os.environ["HUB_PIDS_LIMIT"]),
    "shm_size": os.environ["HUB_SHM_SIZE"],
    "security_opt": ["no-new-privileges:true"],
    # The start script runs as root only to give the student's files their uid, then drops to the student;
    # these five capabilities are all it needs, and the student keeps none of them.
    "cap_drop": ["ALL"],
    "cap_add": ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID"],
}
# HUB_RUN_AS=uid:gid: start the student directly as that user, without root or any capability, as KubeSpawner
# does on Kubernetes (uid 1000, fsGid 100); the start script then skips the remap and only seeds notebooks.
RUN_AS = os.environ["HUB_RUN_AS"]
if RUN_AS != "root":
    c.DockerSpawner.extra_create_kwargs["user"] = RUN_AS
    del host_config["cap_add"]
GPU = os.environ["HUB_GPU"]  # none | shared | per-student (scripts/hub.sh resolves auto)
GPU_DEVICES = [device for device in os.environ.get("HUB_GPU_DEVICES", "").split(",") if device]


def host_config_for(spawner) -> dict:
    """The student's limits, plus the GPUs: all of them (shared), or one GPU or MIG slice per student,
    round-robin in roster order (per-student, HUB_GPU_DEVICES from the host's `nvidia-smi -L`)."""
    config = dict(host_config)
    if GPU == "shared":
        config["device_requests"] = [{"Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]]}]
    elif GPU == "per-student":
        device = device_for(roster_index.get(spawner.user.name, 0), GPU_DEVICES)
        spawner.log.info("GPU for %s: %s", spawner.user.name, device)
        config["device_requests"] = [{"Driver": "nvidia", "DeviceIDs": [device], "Capabilities": [["gpu"]]}]
    return config


c.DockerSpawner.extra_host_config = host_config_for

# --- idle servers are stopped (their volume stays) ---
idle_seconds = max(10, round(float(os.environ["HUB_IDLE_MINUTES"]) * 60))
c.JupyterHub.services = [
    {"name": "idle-culler",
     "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle_seconds}",
                 f"--cull-every={max(5, min(300, idle_seconds // 3))}"]},
    # `make hub-status` reads who runs what with this service's token (HUB_STATE_DIR/status-token).
    {"name": "hub-status", "api_token": secret("status-token")},
]
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
    {"name": "hub-status", "services": ["hub-status"],
     "scopes": ["list:users", "read:users", "read:users:activity", "read:servers"]},
]

# --- the teacher's progress page (hub/progress_service.py, /services/progress/) ---
# Each student's server posts its check events there with its own token (lab/progress.py); the service takes the
# student's name from the token. Only the teacher and the admins can read the page. Its SQLite file is in the
# hub's data volume: it survives a hub restart, a roster change and a rebuilt hub image.
PROGRESS_PORT = 10101
c.JupyterHub.services.append({
    "name": "progress",
    "url": f"http://{NAME}:{PROGRESS_PORT}",  # reachable by the proxy and by the students' servers (private net)
    "command": [sys.executable, "/srv/jupyterhub/progress_service.py"],
    "environment": {"PROGRESS_DB": f"{DATA}/progress.sqlite", "PROGRESS_TEACHERS": ADMIN,
                    "PROGRESS_ROSTER": "/srv/jupyterhub/roster.csv"},
    "oauth_no_confirm": True,
    "display": False,  # not in the students' Services menu: the page is the teacher's
})
c.JupyterHub.load_roles.append(
    # Students may reach the service (to post their events; its pages answer them 403), nothing more.
    {"name": "user", "scopes": ["self", "access:services!service=progress"]})
# The server's own token ($JUPYTERHUB_API_TOKEN, which kernels inherit) gets that access too, on top of the
# default `server` role's two scopes.
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", "access:services!service=progress"]
c.Spawner.environment = {"LAB_PROGRESS_URL": f"http://{NAME}:{PROGRESS_PORT}/services/progress/api/events"}
