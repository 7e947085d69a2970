"""Bad input to `make hub` is refused with the reason, before anything starts; a TLS hub really serves HTTPS."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest
from hubtest import HUB_IMAGE

from tests.support.processes import docker

CPU_ONLY = shutil.which("nvidia-smi") is None or subprocess.run(
    ["nvidia-smi", "-L"], check=False, capture_output=True).returncode != 0


def refused(hub, *messages: str, **settings: str) -> str:
    """Start the hub with `settings`; it must fail, say every message, and leave no hub container behind."""
    result = hub.run("start", check=False, **settings)
    err = result.stderr
    assert result.returncode != 0, f"accepted: {result.stdout}"
    for message in messages:
        assert message in err, err
    assert docker("container", "inspect", hub.name, check=False).returncode != 0, "a hub container was created"
    return err


@pytest.mark.parametrize("roster, messages", [
    ("", ["aucun élève dans la liste"]),
    ("alice\nbob\nalice\n", ["ligne 3", "« alice » est déjà à la ligne 1"]),
    ("alice\nJean Dupont,Jean\n", ["ligne 2", "« Jean Dupont » n'est pas un identifiant utilisable"]),
    ("alice\nteacher\n", ["ligne 2", "compte de l'enseignant"]),
])
def test_bad_rosters_are_refused_with_the_line(new_hub, roster, messages):
    hub = new_hub()
    hub.roster.write_text(roster)
    err = refused(hub, *messages)
    assert str(hub.roster) in err and "rien n'a été démarré" in err


def test_missing_roster_file(new_hub):
    hub = new_hub()
    refused(hub, "ce fichier n'existe pas", ROSTER=str(hub.root / "missing.csv"))


def test_missing_images(new_hub):
    hub = new_hub()
    refused(hub, "l'image du lab pytorch-gpu-lab:no-such-tag n'existe pas", "make build",
            IMAGE="pytorch-gpu-lab:no-such-tag")
    refused(hub, "l'image du hub pytorch-gpu-lab-hub:no-such-tag n'existe pas", "make hub-image",
            HUB_IMAGE="pytorch-gpu-lab-hub:no-such-tag")


def test_port_in_use(new_hub):
    hub = new_hub()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", hub.port))
        holder.listen()
        refused(hub, f"le port {hub.port} est déjà pris", "HUB_PORT=")


@pytest.mark.parametrize("settings, messages", [
    ({"HUB_PORT": "80000"}, ["n'est pas un numéro de port"]),
    ({"HUB_IDLE_MINUTES": "0"}, ["nombre de minutes positif"]),
    ({"HUB_IDLE_MINUTES": "soon"}, ["nombre de minutes positif"]),
    ({"HUB_MEM_LIMIT": "lots"}, ["HUB_MEM_LIMIT"]),
    ({"HUB_GPU": "some"}, ["les valeurs possibles sont auto, none, shared ou per-student"]),
    ({"HUB_NAME": "Bad Name"}, ["ne peut pas nommer des conteneurs"]),
    ({"HUB_ADMIN": "Prof X"}, ["n'est pas un identifiant utilisable"]),
])
def test_bad_settings(new_hub, settings, messages):
    refused(new_hub(), *messages, **settings)


@pytest.mark.skipif(not CPU_ONLY, reason="this host has an NVIDIA GPU: per-student GPUs are valid here")
def test_per_student_gpu_without_a_gpu(new_hub):
    refused(new_hub(), "HUB_GPU=per-student, mais les conteneurs des élèves ne peuvent pas utiliser le GPU : aucun "
            "pilote NVIDIA sur cet hôte", HUB_GPU="per-student")


def test_bind_beyond_loopback_needs_tls_or_an_explicit_insecure_flag(new_hub):
    hub = new_hub()
    refused(hub, "HUB_BIND=0.0.0.0 publie le hub au-delà de cette machine", "HUB_TLS_CERT", HUB_BIND="0.0.0.0")
    # `check` validates without starting: the explicit flag is accepted, with a warning.
    result = hub.run("check", HUB_BIND="0.0.0.0", HUB_INSECURE_HTTP="1")
    assert "ATTENTION : HUB_INSECURE_HTTP=1" in result.stderr and "réglages vérifiés" in result.stdout


CERTIFICATE = """
import datetime, ipaddress
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
now = datetime.datetime.now(datetime.UTC)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256()))
open("/out/cert.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open("/out/key.pem", "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
"""


def make_certificate(directory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with the hub image's own `cryptography` (no host openssl)."""
    docker("run", "--rm", "--network", "none", "--user", f"{os.getuid()}:{os.getgid()}", "-v", f"{directory}:/out",
           "--entrypoint", "python", HUB_IMAGE, "-c", CERTIFICATE)
    return str(directory / "cert.pem"), str(directory / "key.pem")


def test_tls_files_missing_unreadable_or_alone(new_hub, tmp_path):
    hub = new_hub()
    cert, key = make_certificate(tmp_path)
    refused(hub, "n'existe pas", HUB_TLS_CERT=str(tmp_path / "none.pem"), HUB_TLS_KEY=key)
    refused(hub, "n'existe pas", HUB_TLS_CERT=str(tmp_path), HUB_TLS_KEY=key)  # a directory is no file
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    refused(hub, "n'est pas lisible comme PEM", HUB_TLS_CERT=cert, HUB_TLS_KEY=str(junk))
    refused(hub, "vont ensemble", HUB_TLS_CERT=cert)
    if os.getuid() != 0:  # root reads any file: mode 000 only stops other users
        locked = tmp_path / "locked.pem"
        shutil.copy(key, locked)
        locked.chmod(0)
        refused(hub, "n'est pas lisible comme PEM", HUB_TLS_CERT=cert, HUB_TLS_KEY=str(locked))


@pytest.mark.slow
def test_tls_hub_serves_https(new_hub, tmp_path):
    hub = new_hub()
    cert, key = make_certificate(tmp_path)
    out = hub.run("start", HUB_TLS_CERT=cert, HUB_TLS_KEY=key).stdout
    assert f"https://127.0.0.1:{hub.port}/" in out
    user = hub.user("alice")
    user.base = f"https://127.0.0.1:{hub.port}"
    assert user.login_api(hub.password()).status == 201
    plain = hub.user("alice")  # plain HTTP on the TLS port gets no hub
    assert plain.request("GET", "/hub/api/").status != 200
