"""Fixtures of the hub tests. Helpers live in modules, never here: the hub's in hubtest.py, the ones every folder
shares in tests/support."""

from __future__ import annotations

from pathlib import Path

import pytest
from hubtest import HUB_IMAGE, IMAGE, STUDENTS, Hub

from tests.support.processes import docker


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent and item.get_closest_marker("pure") is None:
            item.add_marker(pytest.mark.hub)


@pytest.fixture(scope="session")
def images():
    for image, fix in ((IMAGE, "make build"), (HUB_IMAGE, "make hub-image")):
        if docker("image", "inspect", image, check=False).returncode != 0:
            pytest.fail(f"no image {image}: run `{fix}` (or `make test`, which builds both) first")


@pytest.fixture
def new_hub(tmp_path, images):
    """A factory of hubs (not started); each one is cleaned up at the end of the test."""
    hubs: list[Hub] = []

    def make(students=("alice",), **settings) -> Hub:
        root = tmp_path / f"hub{len(hubs)}"
        root.mkdir()
        hub = Hub(root, list(students), **settings)
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.cleanup()


@pytest.fixture(scope="module")
def class_hub(tmp_path_factory, images):
    """A running hub with three students, for the module's tests; removed with all it created at the end."""
    hub = Hub(tmp_path_factory.mktemp("class-hub"), STUDENTS)
    try:
        hub.first_start = hub.run("start")
        yield hub
    finally:
        hub.cleanup()
