"""A real browser for the tests and the measurement scripts: headless Chromium from Debian's packages (chromium,
chromium-driver), driven by selenium (tests/requirements-host.txt)."""

from __future__ import annotations

import shutil


def chromium(width: int = 1700, height: int = 900):
    """A new headless Chromium (French locale); the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     "--lang=fr-FR"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))


def hub_login(driver, base_url: str, username: str, password: str, timeout: float = 60) -> None:
    """Log in through the hub's own login form, as a person does."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}/hub/login")
    driver.find_element(By.NAME, "username").send_keys(username)
    field = driver.find_element(By.NAME, "password")
    field.send_keys(password)
    field.submit()
    WebDriverWait(driver, timeout).until(lambda d: "/hub/login" not in d.current_url)
