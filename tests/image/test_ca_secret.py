"""The extra CA bundle reaches every download of the build and never an image layer."""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest
from image_helpers import IMAGE, docker_build, in_image

from tests.support.processes import docker

PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s+(.+?)-----END CERTIFICATE-----", re.S)


def cert_bodies(pem: bytes) -> set[bytes]:
    """The first base64 line of every certificate: enough to recognise it anywhere."""
    return {body.split()[0] for body in PEM.findall(pem)}


def layer_files_containing(image: str, needles: set[bytes], max_size: int = 4 << 20) -> list[str]:
    """Stream `docker save` and look into every file of every layer (CA bundles are small text files)."""
    found = []
    save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
    with tarfile.open(fileobj=save.stdout, mode="r|") as archive:
        for member in archive:
            if not (member.isfile() and (member.name.endswith("layer.tar") or member.name.startswith("blobs/"))):
                continue
            try:
                with tarfile.open(fileobj=archive.extractfile(member), mode="r|") as layer:
                    for entry in layer:
                        if entry.isfile() and 0 < entry.size <= max_size:
                            data = layer.extractfile(entry).read()
                            if any(needle in data for needle in needles):
                                found.append(entry.name)
            except tarfile.ReadError:  # an OCI blob that is a config or manifest, not a layer
                continue
    save.wait()
    assert save.returncode == 0
    return found


@pytest.mark.slow
def test_generated_ca_is_used_by_the_build_and_left_in_no_layer(tmp_path: Path):
    key, cert = tmp_path / "ca.key", tmp_path / "ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    f"/CN=lab-test-ca-{uuid.uuid4().hex[:8]}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    tag = f"lab-ca-probe:{uuid.uuid4().hex[:8]}"
    result = docker_build(tag, "--no-cache", "--target", "os", "--secret", f"id=ca_bundle,src={cert}")
    try:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "with-ca: trusting the extra CA bundle handed in as a build secret (1 certificate(s))" in result.stderr
        assert layer_files_containing(tag, cert_bodies(cert.read_bytes())) == []
    finally:
        docker("rmi", "-f", tag, check=False)


@pytest.mark.slow
def test_build_ca_bundle_is_in_no_layer_of_the_lab_image():
    bundle = os.environ.get("CA_BUNDLE")
    if not bundle:
        pytest.skip("this image was built without CA_BUNDLE: there is no extra CA to look for")
    image_bundles = in_image("sh", "-c", "cat /etc/ssl/certs/ca-certificates.crt; "
                             "python -c 'import certifi; print(open(certifi.where()).read())' 2>/dev/null; "
                             "cat $(python -c 'import pip._vendor.certifi as c; print(c.where())')").stdout
    extra = cert_bodies(Path(bundle).read_bytes()) - cert_bodies(image_bundles.encode())
    assert extra, "the CA bundle adds nothing to the image's own CAs: nothing to look for"
    assert layer_files_containing(IMAGE, extra) == []
