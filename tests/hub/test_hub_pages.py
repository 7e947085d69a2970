"""What a student sees of a real hub: French pages with the course's name, a dead server noticed within 10 s
with a French page and a restart button; and the student container's memory capped without extra swap."""

from __future__ import annotations

import json
import time

import pytest
from hubtest import Hub, wait_for

from tests.support.processes import docker

pytestmark = pytest.mark.slow

COURSE = "Apprentissage profond — module 1 (test)"
ENGLISH = ("Sign in", "Username:", "Password:", "Logout", "Start My Server", "Your server is starting up",
           "Server not running", "Invalid username or password", "Jupyter has lots of moons",
           "Request new API token", "Authorized Applications", ">revoke<")


@pytest.fixture(scope="module")
def pages_hub(tmp_path_factory, images):
    hub = Hub(tmp_path_factory.mktemp("pages-hub"), ["alice"], HUB_COURSE=COURSE)
    try:
        hub.run("start")
        yield hub
    finally:
        hub.cleanup()


def french(body: str) -> None:
    assert COURSE in body, body[:500]
    for words in ENGLISH:
        assert words not in body, f"{words!r} on a hub page"


def test_login_home_and_error_pages_are_french_with_the_course_name(pages_hub):
    visitor = pages_hub.user("alice")
    login = visitor.request("GET", "/hub/login")
    french(login.body)
    assert "Se connecter" in login.body and "Identifiant" in login.body and "Mot de passe" in login.body
    wrong = visitor.login_form("pas-le-bon-mot-de-passe")
    french(wrong.body)
    assert "Identifiant ou mot de passe incorrect" in wrong.body
    missing = visitor.request("GET", "/hub/cette-page-n-existe-pas")
    assert missing.status == 404 and "Page introuvable" in missing.body
    french(missing.body)

    visitor.login_form(pages_hub.password())
    assert visitor.logged_in()
    tokens = visitor.request("GET", "/hub/token")
    assert tokens.status == 200 and "Jetons d'accès à l'API du hub" in tokens.body
    assert "vous n'en avez pas besoin" in tokens.body
    french(tokens.body)
    home = visitor.request("GET", "/hub/home")
    french(home.body)
    assert "Se déconnecter" in home.body and ("Démarrer mon serveur" in home.body or "Ouvrir mon serveur" in home.body)
    pending = visitor.request("GET", "/hub/spawn-pending/alice")
    if "/hub/spawn-pending/" in pending.url:  # still starting (else it has already gone on to the lab)
        french(pending.body)
        assert "Votre serveur Jupyter démarre" in pending.body


def test_memory_and_swap_are_capped_together(pages_hub):
    alice = pages_hub.student("alice")
    if not alice.server():
        assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    host = json.loads(docker("container", "inspect", pages_hub.container("alice")).stdout)[0]["HostConfig"]
    assert host["Memory"] == 1024**3  # HUB_MEM_LIMIT=1g in the tests
    assert host["MemorySwap"] == host["Memory"], "swap allowed beyond the memory limit"


def test_a_dead_server_is_noticed_within_10s_with_a_french_page_and_a_restart_button(pages_hub):
    alice = pages_hub.student("alice")
    browser = pages_hub.user("alice")
    browser.login_form(pages_hub.password())
    if not alice.server():
        assert alice.start_server().status in (201, 202)
    alice.wait_ready()
    assert alice.write_file("avant.txt", "gardé").status == 201
    docker("kill", pages_hub.container("alice"))  # the container dies (out of memory, a crash, docker kill)
    killed = time.monotonic()
    wait_for(lambda: not alice.server(), 15, "the hub noticing that alice's server died", interval=0.25)
    noticed = time.monotonic() - killed
    page = browser.request("GET", "/user/alice/lab", timeout=15)
    answered = time.monotonic() - killed
    print(f"\ndead server: hub noticed after {noticed:.1f} s, page answered after {answered:.1f} s")
    assert noticed < 10 and answered < 10
    french(page.body)
    assert "Votre serveur Jupyter ne tourne pas" in page.body and "Votre travail est gardé" in page.body
    assert 'id="start"' in page.body and "Redémarrer mon serveur" in page.body
    assert alice.start_server().status in (201, 202)  # what the button does
    alice.wait_ready()
    assert alice.contents("avant.txt").json()["content"] == "gardé"


def test_the_french_token_page_still_works_in_a_browser(pages_hub):
    """The French /hub/token keeps the stock page's ids: JupyterHub's token.js requests a token and shows it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.support.browser import chromium, hub_login

    driver = chromium()
    try:
        hub_login(driver, pages_hub.url, "alice", pages_hub.password())
        driver.get(f"{pages_hub.url}/hub/token")
        driver.find_element(By.ID, "token-note").send_keys("essai du cours")
        driver.find_element(By.CSS_SELECTOR, "#request-token-form button[type=submit]").click()
        token = WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "token-result").text.strip())
        assert len(token) >= 32
        driver.get(f"{pages_hub.url}/hub/token")
        rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#api-tokens-table .token-row")]
        assert any("essai du cours" in row and "révoquer" in row for row in rows), rows
        french(driver.page_source)
    finally:
        driver.quit()
    assert pages_hub.user("alice").request("GET", "/hub/api/user", token=token).json()["name"] == "alice"
