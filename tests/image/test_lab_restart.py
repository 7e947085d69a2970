"""The lab's URL survives a restart: `make lab` keeps one token per work directory (mode 0600, outside the
students' files), so an open tab, logged in by its cookie, and a bookmark keep working after `make stop` /
`make lab`; `make url` prints it, even while the lab is stopped; NEW_TOKEN=1 makes a new one and logs tabs out.
A tab without the token meets the French token page, which says to run `make url` on the host."""

from __future__ import annotations

import http.cookiejar
import re
import stat
import urllib.error
import urllib.request

import pytest
from image_helpers import http_status

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/lab\?token=([0-9a-f]+)")

pytestmark = pytest.mark.slow


class Browser:
    """A browser tab's HTTP side: a cookie jar, redirects followed."""

    def __init__(self):
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, url: str) -> tuple[str, str]:
        """(final URL after redirects, page text)."""
        try:
            with self.opener.open(url, timeout=30) as response:
                return response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.geturl(), error.read().decode()


def url_of(result) -> str:
    match = URL.search(result.stdout)
    assert match, result.stdout + result.stderr
    return match.group(0)


def test_token_is_kept_across_stop_and_start_and_an_open_tab_stays_logged_in(idle_lab):
    lab = idle_lab
    first = url_of(lab.make("lab"))
    token = URL.search(first).group(2)
    try:
        files = list(lab.token_dir.iterdir())
        assert len(files) == 1 and files[0].read_text().strip() == token
        assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
        assert not any(token in p.read_text(errors="ignore") for p in lab.work.rglob("*") if p.is_file())

        tab = Browser()
        landed, _ = tab.get(first)  # the student opens the printed URL: logged in by a cookie from now on
        assert landed.startswith(f"{lab.base_url}/lab")

        stopped = lab.make("stop")
        assert "arrêté" in stopped.stdout
        while_stopped = lab.make("url")
        assert while_stopped.stdout.strip() == first
        assert "arrêté" in while_stopped.stderr and "make lab" in while_stopped.stderr

        again = url_of(lab.make("lab"))
        assert again == first and lab.token() == token
        landed, page = tab.get(f"{lab.base_url}/lab/tree/module1/01_tenseurs.ipynb")  # the tab, reloaded
        assert "/login" not in landed and "<title>JupyterLab</title>" in page
        assert lab.make("url").stdout.strip() == first

        renewed = url_of(lab.make("lab", NEW_TOKEN="1"))
        new_token = URL.search(renewed).group(2)
        assert new_token != token and lab.token() == new_token
        assert files[0].read_text().strip() == new_token
        assert http_status(f"{lab.base_url}/api/status", token) == 403
        landed, _ = tab.get(f"{lab.base_url}/lab")
        assert "/login" in landed  # the old tab is logged out
    finally:
        lab.make("stop", check=False)


def test_a_tab_without_the_token_gets_the_french_page_saying_make_url(lab):
    landed, page = Browser().get(f"{lab.base_url}/lab/tree/module1")
    assert "/login" in landed
    assert "Ce lab demande son jeton" in page and "make url" in page
    assert "Token authentication" not in page and "jupyter server list" not in page and "Password" not in page
    _, refused = Browser().get(f"{lab.base_url}/lab?token={'0' * 48}")
    assert "make url" in refused


def test_make_url_without_any_lab_says_to_start_one(idle_lab):
    result = idle_lab.make("url", check=False)
    assert result.returncode != 0
    assert "le lab ne tourne pas" in result.stderr and "make lab" in result.stderr
