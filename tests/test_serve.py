"""``colorzoo serve`` as users meet it: one real server (a subprocess on a free loopback port) for the
module, its HTTP API called with gradio's client, and its page driven in headless Chromium: photos
dropped (one bad, one too large), two models run, a third-party plugin's controls shown, a hint
clicked on the photo (then moved and removed), a result compared and downloaded.

The browser part needs Debian's ``chromium`` and ``chromium-driver`` (``scripts/setup.sh --test``
installs them as root where apt-get exists) and is skipped, saying so, without them. Set
``COLORZOO_SCREENSHOT=docs/ui/serve.png`` to write the README's screenshot of the page."""

from __future__ import annotations

import json
import os
import time
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import install_plugin
from PIL import Image
from serve_helpers import (
    ServeProcess,
    cache_siggraph17_weights,
    cache_tint_weights,
    chroma,
    gray_photo,
    os_environ,
    serve_env,
)

pytest.importorskip("gradio_client", reason='colorzoo serve needs gradio: pip install "colorzoo[ui]"')
pytestmark = pytest.mark.slow

CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
MAX_PIXELS = 200_000
#: zhang-rebal-lite colors a gray astronaut: its mean distance from gray is well above this (8-bit levels).
COLORED = 5.0


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    (folder / "notes.png").write_text("a text file with an image's name")
    Image.new("L", (600, 400), 128).save(folder / "big.png")  # 240,000 pixels: over --max-pixels
    noise = np.random.default_rng(0).integers(0, 256, (600, 600), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "noise.png")  # 360 kB: over --max-file-size
    return {"gray": gray_photo(folder / "gray.png", (384, 320)), "bad": folder / "notes.png", "big": folder / "big.png",
            "heavy": folder / "noise.png"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("serve")
    env = install_plugin(Path(__file__).parent / "ui_plugin", scratch / "site")
    env = serve_env({**os_environ(), **env}, scratch / "home", scratch / "colorzoo", scratch / "tmp")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLORZOO_HOME", str(scratch / "colorzoo"))
        cache_tint_weights()
        cache_siggraph17_weights()  # its `paper` set is a download: random weights of its shapes stand in
    (scratch / "cwd").mkdir()
    args = ["--max-pixels", str(MAX_PIXELS), "--max-file-size", "200kb", "--max-models", "3"]
    process = ServeProcess(args, env, scratch / "cwd")
    yield process
    assert process.stop() == 0, process.output


# -- the HTTP API -------------------------------------------------------------------------------


def test_the_http_api_colorizes_a_photo(server, photos):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    client = Client(server.url, verbose=False)
    result = Path(client.predict(handle_file(str(photos["gray"])), "zhang-rebal-lite", "{}", api_name="/colorize"))
    assert Image.open(result).size == Image.open(photos["gray"]).size
    assert chroma(photos["gray"]) == 0 and chroma(result) > COLORED
    red = Path(client.predict(handle_file(str(photos["gray"])), "uitest-tint.plain", '{"tint": "#ff0000"}',
                              api_name="/colorize"))
    rgb = np.asarray(Image.open(red).convert("RGB"), dtype=int)
    assert (rgb[..., 0] - rgb[..., 2]).mean() > 40  # a third-party model's control, through the API
    for model, controls, message in [
        ("zhang-rebal-lite", '{"temperature": "hot"}', "control temperature: value must be a number, got 'hot'"),
        ("zhang-rebal-lite", '{"temprature": 1}', "has no control 'temprature'"),
        ("zhang-rebal-lite", "[1]", "controls: expected a JSON object"),
        ("zhang-rebal-lit", "{}", "unknown model 'zhang-rebal-lit'; did you mean zhang-rebal-lite"),
    ]:
        with pytest.raises(AppError, match=message):
            client.predict(handle_file(str(photos["gray"])), model, controls, api_name="/colorize")
    with pytest.raises(AppError, match=r"big.png: 600x400 is 240,000 pixels, over the limit of 200,000"):
        client.predict(handle_file(str(photos["big"])), "zhang-rebal-lite", "{}", api_name="/colorize")
    with pytest.raises(ValueError, match=r"noise.png exceeds the maximum file size of 200000 bytes"):
        client.predict(handle_file(str(photos["heavy"])), "zhang-rebal-lite", "{}", api_name="/colorize")
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert sorted(endpoints) == ["/colorize", "/models"]  # the page's own events are not an API
    models = {m["model"]: m for m in client.predict(api_name="/models")}
    assert {c["name"]: c["widget"] for c in models["uitest-tint"]["controls"]}["mark"] == "point-color"
    assert {"name": "zhang-siggraph17.paper", "status": "cached", "license": "BSD-2-Clause"} in \
        models["zhang-siggraph17"]["weight_sets"]


# -- the page, in a browser ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test needs selenium")
    from selenium.webdriver.chrome.service import Service

    if not Path(CHROMEDRIVER).is_file() or not any(Path(b).is_file() for b in BROWSERS):
        pytest.skip("no headless browser here: install Debian's chromium and chromium-driver "
                    "(scripts/setup.sh --test does, as root where apt-get exists)")
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.downloads = downloads
    yield driver
    driver.quit()


def _wait(driver, condition, what: str, timeout_s: float = 180):
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout_s, ignored_exceptions=(StaleElementReferenceException,)).until(
            condition)
    except WebDriverException as exc:
        shot = driver.downloads / "failed.png"
        driver.save_screenshot(str(shot))
        raise AssertionError(f"waited {timeout_s} s for {what} (the page: {shot}); the status says: "
                             f"{_text(driver, 'status')!r}") from exc


def _text(driver, elem_id: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.ID, elem_id)
    return found[0].text if found else ""


def _value(driver, elem_id: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"#{elem_id} input")
    return found[0].get_attribute("value") if found else ""


def _click_label(driver, group: str, text: str) -> None:
    from selenium.webdriver.common.by import By

    label = driver.find_element(By.XPATH, f"//*[@id='{group}']//label[contains(., '{text}')]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    label.click()


def _click_photo(driver, dx: int, dy: int) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    image = driver.find_element(By.CSS_SELECTOR, "#hint-photo img")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", image)
    ActionChains(driver).move_to_element_with_offset(image, dx, dy).click().perform()


def _result_pixels(driver, caption: str) -> np.ndarray:
    """The image the results gallery shows under ``caption``, fetched as the browser would."""
    from selenium.webdriver.common.by import By

    for item in driver.find_elements(By.CSS_SELECTOR, "#results button"):
        if caption in item.text:
            source = item.find_element(By.TAG_NAME, "img").get_attribute("src")
            with urllib.request.urlopen(source, timeout=30) as answer:
                from io import BytesIO

                return np.asarray(Image.open(BytesIO(answer.read())).convert("RGB"), dtype=int)
    raise AssertionError(f"no result captioned {caption!r} in the gallery")


def test_the_page_colorizes_compares_takes_hints_and_downloads(server, photos, browser):
    from selenium.webdriver.common.by import By

    driver = browser
    driver.get(server.url)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#photos input[type=file]"), "the page")

    # a file over --max-file-size is refused as it is dropped; then a photo, a file that is no image, one too large
    drop = driver.find_element(By.CSS_SELECTOR, "#photos input[type=file]")
    drop.send_keys(str(photos["heavy"]))
    _wait(driver, lambda d: 'exceed the maximum allowed size of 195.3 Kb: "noise.png"' in d.find_element(
        By.TAG_NAME, "body").text, "the refusal of a heavy file")
    drop = driver.find_element(By.CSS_SELECTOR, "#photos input[type=file]")
    drop.send_keys("\n".join(str(photos[k]) for k in ("gray", "bad", "big")))
    _wait(driver, lambda d: "ready" in _text(d, "status"), "the photos to be checked")
    status = _text(driver, "status")
    assert "1 photo(s) ready: gray.png" in status
    assert "refused: notes.png: not an image file Pillow can read" in status
    assert "refused: big.png: 600x400 is 240,000 pixels, over the limit of 200,000" in status

    # a third-party plugin's controls appear when its model is picked, with no code of the page naming them
    _click_label(driver, "models", "uitest-tint.plain")
    for name in ("tint", "strength", "gain", "steps", "invert", "note", "region", "reference"):
        _wait(driver, lambda d, n=name: d.find_element(By.ID, f"control-uitest-tint-{n}").is_displayed(), name, 30)
    _wait(driver, lambda d: _value(d, "hint-target") == "uitest-tint: mark", "its hint control", 30)
    _click_label(driver, "models", "uitest-tint.plain")

    # two models, side by side
    _click_label(driver, "models", "zhang-rebal-lite.compact")
    _click_label(driver, "models", "zhang-unbal.compact")
    driver.find_element(By.ID, "run").click()
    _wait(driver, lambda d: "zhang-unbal.compact: 1 of 1 photo(s)" in _text(d, "status"), "two models to run")
    assert "zhang-rebal-lite.compact: 1 of 1 photo(s)" in _text(driver, "status")
    _wait(driver, lambda d: "done" in _text(d, "queue") and "zhang-unbal.compact" in _text(d, "queue"), "the queue")
    captions = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#results button")]
    assert [c for c in captions if c] == ["gray.png \u00b7 input", "gray.png \u00b7 zhang-rebal-lite.compact",
                                          "gray.png \u00b7 zhang-unbal.compact"]

    # hints: a click on the photo places one, and zhang-siggraph17 runs again with it
    _click_label(driver, "models", "zhang-siggraph17.paper")
    _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "#hint-photo img").is_displayed(), "the photo to click")
    _click_photo(driver, -40, -30)
    _wait(driver, lambda d: "1: x" in _text(d, "hint-list"), "the hint in the list")
    _wait(driver, lambda d: "with 1 hint(s)" in _text(d, "status"), "zhang-siggraph17 with the hint")
    placed = _text(driver, "hint-list")
    first = _result_pixels(driver, "zhang-siggraph17.paper")
    # ... moved: pick it in the list, switch the click to "move", click elsewhere
    _click_label(driver, "hint-list", "1: x")
    _click_label(driver, "hint-mode", "move the selected hint")
    _click_photo(driver, 50, 40)
    _wait(driver, lambda d: "1: x" in _text(d, "hint-list") and _text(d, "hint-list") != placed, "the hint to move")
    _wait(driver, lambda d: not np.array_equal(_result_pixels(d, "zhang-siggraph17.paper"), first), "a new result")
    # ... removed, then one placed again (for the screenshot)
    driver.find_element(By.ID, "hint-remove").click()
    _wait(driver, lambda d: "1: x" not in _text(d, "hint-list"), "the hint to go")
    _wait(driver, lambda d: "zhang-siggraph17.paper: 1 of 1 photo(s) in" in _text(d, "status"), "a run without it")
    _click_label(driver, "hint-mode", "add a hint")
    _click_photo(driver, -10, -45)
    _wait(driver, lambda d: "with 1 hint(s)" in _text(d, "status"), "zhang-siggraph17 with a hint again")

    # a result's name, or a click on it in the gallery, compares it with its input; then download it
    _click_label(driver, "compare", "zhang-unbal.compact")
    _wait(driver, lambda d: "gray_zhang-unbal.compact.png" in _text(d, "download-one"), "the pick by name")
    thumbnail = next(b for b in driver.find_elements(By.CSS_SELECTOR, "#results button") if "rebal-lite" in b.text)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", thumbnail)
    thumbnail.click()
    button = driver.find_element(By.ID, "download-one")
    _wait(driver, lambda d: "gray_zhang-rebal-lite.compact.png" in button.text, "the pick in the gallery")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    downloaded = driver.downloads / "gray_zhang-rebal-lite.compact.png"
    _wait(driver, lambda d: downloaded.is_file() and not list(driver.downloads.glob("*.crdownload")), "the download")
    assert Image.open(downloaded).size == Image.open(photos["gray"]).size == (384, 320)
    assert chroma(downloaded) > COLORED  # not gray: colored where the model colors
    driver.find_element(By.ID, "download-all").click()
    archive = driver.downloads / "colorzoo-results.zip"
    _wait(driver, lambda d: archive.is_file() and not list(driver.downloads.glob("*.crdownload")), "the zip")
    names = ["gray_zhang-rebal-lite.compact.png", "gray_zhang-siggraph17.paper.png", "gray_zhang-unbal.compact.png"]
    assert sorted(zipfile.ZipFile(archive).namelist()) == names

    # the page asked nothing of any host but this server
    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("data:", "blob:")):
                hosts.add(url.split("/")[2])
    assert hosts == {server.url.split("/")[2]}, hosts

    _screenshot(driver, Path(os.environ.get("COLORZOO_SCREENSHOT") or driver.downloads / "serve.png"))


def _screenshot(driver, target: Path) -> None:
    """The whole page down to its last element (the hint editor below the results included)."""
    driver.set_window_size(1400, 2400)
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(1.0)
    shown = "[...document.querySelectorAll('.gradio-container [id]')].filter(e => e.offsetParent)"
    bottom = driver.execute_script(f"return Math.max(...{shown}.map(e => e.getBoundingClientRect().bottom))") + 16
    scratch = target.with_suffix(".tmp.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(scratch))
    with Image.open(scratch) as page:
        page.crop((0, 0, page.width, min(page.height, round(bottom) + 8))).save(target)
    scratch.unlink()
