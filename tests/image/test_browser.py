"""A student in a real browser (Debian's chromium, headless, driven by selenium through chromium-driver): open the
URL `make lab` printed, French menus, open part 1, type a right answer into exercise 1 (✅), then a wrong one
(❌ and a French hint, no Python class name), Run all (every other exercise ⏳, the run reaches the last cell),
then `make stop` / `make lab` and reload the same tab: still logged in, the notebook and its output still there.

JupyterLab 4 renders only the cells on screen, so the run's outputs are read from the notebook the browser saved;
readiness is the kernel's state in the status bar ("Inactif"). A failure leaves a screenshot and the page's text
in the test's tmp directory. Needs `chromium` and `chromium-driver` (.ci/run installs them).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.slow

URL = re.compile(r"http://127\.0\.0\.1:\d+/lab\?token=[0-9a-f]+")
NOTEBOOK = "module1/01_tenseurs.ipynb"
STUB = 'raise NotImplementedError("Exercice à compléter")'
RIGHT = "return torch.arange(n_rows * n_cols).reshape(n_rows, n_cols)"
WRONG = "return torch.arange(n_rows * n_cols).reshape(n_cols, n_rows).T"


def tool(*names: str) -> str:
    found = next((shutil.which(n) for n in names if shutil.which(n)), None)
    if found is None:
        pytest.fail(f"{' or '.join(names)} not found: install Debian's chromium and chromium-driver (.ci/run does)")
    return found


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = tool("chromium", "chromium-browser")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                     "--lang=fr-FR", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=webdriver.ChromeService(tool("chromedriver")), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@contextmanager
def screenshots_on_failure(driver, folder: Path):
    try:
        yield
    except BaseException:
        driver.save_screenshot(str(folder / "failure.png"))
        (folder / "failure.txt").write_text(driver.find_element(By.TAG_NAME, "body").text)
        print(f"screenshot and page text in {folder}")
        raise


def wait_for(what: str, condition, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:  # the page re-rendered under us: ask again
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def texts(driver, selector: str) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]


def kernel_idle(driver) -> bool:
    """The status bar names the notebook's kernel and its state: 'Python 3 (ipykernel) | Inactif'."""
    return any("Inactif" in t for t in texts(driver, ".jp-StatusBar-Widget, .jp-Notebook-ExecutionIndicator"))


def code_cell(driver, contains: str):
    cells = driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
    return next(c for c in cells if contains in c.text)


def exercise_cell(driver):
    return code_cell(driver, "def grid(")


def replace_line(driver, cell, old: str, new: str) -> None:
    """Click the line holding `old` in the cell's editor, select it (after the indentation) and type `new`."""
    line = next(e for e in cell.find_elements(By.CSS_SELECTOR, ".cm-line") if old in e.text)
    line.click()
    actions = webdriver.ActionChains(driver)
    actions.send_keys(Keys.END).key_down(Keys.SHIFT).send_keys(Keys.HOME).key_up(Keys.SHIFT).send_keys(new)
    actions.perform()


def run_cell_and_read(driver, contains: str = "def grid(", *, click: bool = False) -> str:
    """Shift+Enter in the cell holding `contains` (being edited, or clicked first); its output once it has run."""
    def prompt() -> str:
        return code_cell(driver, contains).find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text.strip()

    before = prompt()
    if click:
        code_cell(driver, contains).find_element(By.CSS_SELECTOR, ".cm-line").click()
    webdriver.ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    wait_for("the cell to run", lambda: re.fullmatch(r"\[\d+\]:", prompt()) and prompt() != before, timeout=90)
    return code_cell(driver, contains).find_element(By.CSS_SELECTOR, ".jp-Cell-outputArea").text


def open_notebook(driver, base: str) -> None:
    driver.get(f"{base}/lab/tree/{NOTEBOOK}")
    wait_for("the notebook and its kernel", lambda: driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
             and kernel_idle(driver), timeout=90)


def saved_outputs(lab) -> list[tuple[str, str, int | None]]:
    """(source, output text, execution count) of each code cell of the notebook as the browser saved it."""
    notebook = json.loads((lab.work / NOTEBOOK).read_text())
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        out = "".join("".join(o.get("text", "")) + "\n".join(o.get("traceback", [])) for o in cell["outputs"])
        cells.append(("".join(cell["source"]), out, cell["execution_count"]))
    return cells


def run_all_done(driver, lab):
    """Save (Ctrl+S); the saved cells once every code cell has run and the kernel is idle again, else None."""
    if not kernel_idle(driver):
        return None
    webdriver.ActionChains(driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
    time.sleep(1)
    cells = saved_outputs(lab)
    return cells if all(count is not None for *_, count in cells) else None


def test_a_student_in_a_real_browser(lab, browser, tmp_path):
    start = time.monotonic()
    url = URL.search(lab.make("url").stdout).group(0)
    with screenshots_on_failure(browser, tmp_path):
        browser.get(url)
        menus = wait_for("the menu bar", lambda: texts(browser, ".lm-MenuBar-itemLabel"), timeout=90)
        assert menus[:4] == ["Fichier", "Édition", "Affichage", "Exécution"], menus
        launcher = wait_for("the launcher", lambda: texts(browser, ".jp-LauncherCard-label"), timeout=30)
        assert "Terminal" in launcher and not any("Format" in t or "MyST" in t for t in launcher), launcher

        open_notebook(browser, lab.base_url)
        run_cell_and_read(browser, "import torch", click=True)  # the imports first, as the notebook says
        replace_line(browser, exercise_cell(browser), STUB, RIGHT)
        assert "✅" in wait_for("the ✅", lambda: run_cell_and_read(browser))

        replace_line(browser, exercise_cell(browser), RIGHT, WRONG)
        shown = run_cell_and_read(browser)
        assert "❌" in shown and "👉" in shown, shown
        assert "CheckFailed" not in shown and "Traceback" not in shown, shown

        replace_line(browser, exercise_cell(browser), WRONG, RIGHT)
        browser.find_element(By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel')][text()='Exécution']").click()
        run_all = "//div[contains(@class,'lm-Menu-itemLabel')][text()='Exécuter toutes les cellules']"
        wait_for("the Run menu", lambda: browser.find_elements(By.XPATH, run_all))[0].click()
        cells = wait_for("Run all to reach the last cell", lambda: run_all_done(browser, lab), timeout=120)
        checks = [(source, out) for source, out, _ in cells if re.search(r"^check_\w+\(", source, re.M)]
        assert len(checks) > 10 and "✅" in checks[0][1], checks[0]
        assert all("⏳" in out and "pas encore fait" in out for _, out in checks[1:]), [o for _, o in checks]
        assert not any("Traceback" in out or "NotDone" in out for _, out, _ in cells)

        lab.make("stop")
        assert lab.make("lab").stdout.count(url) == 1  # the same URL: the tab's cookie and bookmark still work
        browser.refresh()
        wait_for("the reloaded notebook", lambda: browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
                 and kernel_idle(browser), timeout=90)
        assert "/login" not in browser.current_url
        assert texts(browser, ".lm-MenuBar-itemLabel")[:1] == ["Fichier"]
        assert "✅" in exercise_cell(browser).find_element(By.CSS_SELECTOR, ".jp-Cell-outputArea").text
    print(f"browser test: {time.monotonic() - start:.0f} s")
