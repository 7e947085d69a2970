"""Helpers shared by the test folders and the measurement scripts (docker-stacks keeps one tests/utils the same way):
processes.py (Docker, make, free ports), kernel.py (a Jupyter kernel over its websocket), hub_client.py (a hub user),
browser.py (headless Chromium through selenium).
Fixtures stay in each folder's conftest.py; helpers never live there."""
