"""Fixtures of the hub tests; the helpers are in hubtest.py. `make test` runs tests/hub in a pytest run of its
own: tests/image imports its helpers with `from conftest import`, which another conftest would shadow."""

from __future__ import annotations

from pathlib import Path

import pytest
from hubtest import HUB_IMAGE, IMAGE, STUDENTS, Hub, docker


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
