"""Every widget of the course, driven in JupyterLab in headless Chromium as a student would use it.

For each widget: run the cells it needs, move each control, check that the picture (compared by its
bytes) or the text changes and comes back when the control comes back, and that a bad input shows a
message. No error output, no "Error displaying widget", no JavaScript console error.

Needs Playwright for Python and a Chromium (Debian's `chromium`; Playwright never downloads one):
skipped with the reason otherwise, unless RNN_COURSE_REQUIRE_BROWSER=1 (set by `.ci/run`, which
installs both and runs it). Set RNN_COURSE_CHROMIUM to
use another Chromium binary, RNN_COURSE_SCREENSHOTS=DIR to keep screenshots (1366 and 1920 px wide).
"""
import base64
import os
import re
import shutil
from pathlib import Path

import pytest

from labserver import LabServer

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("RNN_COURSE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = os.environ.get("RNN_COURSE_SCREENSHOTS")
WAIT_MS = 120_000  # generous: a loaded 2-core CI machine; nothing here asserts a duration
RUN_MS = 1_800_000  # for a run of cells (02 trains its model for 4000 steps); a loaded machine is slow

REQUIRED = os.environ.get("RNN_COURSE_REQUIRE_BROWSER") == "1"  # .ci/run: fail instead of skipping
try:
    from playwright import sync_api
except ImportError:
    if REQUIRED:
        raise
    pytest.skip("Playwright for Python is not installed (pip install -e '.[dev]'; .ci/run does this)",
                allow_module_level=True)
if not CHROMIUM:
    if REQUIRED:
        raise RuntimeError("RNN_COURSE_REQUIRE_BROWSER=1 but no chromium on PATH")
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium; .ci/run does this) "
                "and RNN_COURSE_CHROMIUM is not set", allow_module_level=True)

# JavaScript console messages that are not about the course (none seen so far; keep this list short).
BENIGN_CONSOLE = ()


@pytest.fixture(scope="module")
def lab():
    with LabServer(ROOT / "notebooks") as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Notebook:
    """One open notebook in a page, with helpers to run cells and read and move widgets."""

    def __init__(self, page, lab, name):
        self.page, self.lab, self.name = page, lab, name
        self.console = []
        page.on("console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda err: self.console.append(f"page error: {err}"))
        page.goto(lab.url(name))
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=WAIT_MS)
        self.wait_idle()

    def wait_idle(self):
        """Wait until the status bar says the kernel is Idle (the toolbar's circle can lag behind)."""
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-StatusBar-TextItem')].some(e => / \\| Idle$/.test(e.textContent))",
            timeout=WAIT_MS)

    def cell(self, source):
        """The code cell whose source contains this text (exactly one)."""
        cells = self.page.locator(".jp-Notebook .jp-CodeCell").filter(has=self.page.locator(".jp-InputArea-editor", has_text=source))
        assert cells.count() == 1, f"{self.name}: {cells.count()} cells contain {source!r}"
        return cells.first

    def index(self, cell):
        return cell.evaluate("c => [...c.parentElement.children].filter(e => e.classList.contains('jp-Cell')).indexOf(c)")

    def run(self, *sources):
        """Run, in this order, the code cells that contain these texts (click, Shift+Enter), as a student
        can; wait until each has run. Returns the last cell."""
        for source in sources:
            cell = self.cell(source)
            cell.locator(".jp-InputPrompt").click()
            self.page.keyboard.press("Shift+Enter")
            self.page.wait_for_function(
                "c => /^\\[\\d+\\]:$/.test(c.querySelector('.jp-InputPrompt').textContent.trim())",
                arg=cell.element_handle(), timeout=RUN_MS)
            self.wait_idle()
        return cell

    def run_through(self, source):
        """Run every code cell from the first one through the cell that contains source (selected with
        a click and a Shift+click, run with Shift+Enter); wait until that cell has run. Returns it."""
        cell = self.cell(source)
        self.page.locator(".jp-Notebook .jp-CodeCell").first.locator(".jp-InputPrompt").click()
        cell.locator(".jp-InputPrompt").click(modifiers=["Shift"])
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function(
            "c => /^\\[\\d+\\]:$/.test(c.querySelector('.jp-InputPrompt').textContent.trim())",
            arg=cell.element_handle(), timeout=RUN_MS)
        self.wait_idle()
        return cell

    def check_clean(self):
        """No error or stderr output, no widget that failed to display, no console error."""
        page = self.page
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        assert errors.count() == 0, f"{self.name}: error output: {errors.first.text_content()[:2000]}"
        text = page.locator(".jp-Notebook").text_content()
        assert "Error displaying widget" not in text, self.name
        console = [m for m in self.console if not any(b in m for b in BENIGN_CONSOLE)]
        assert not console, f"{self.name}: JavaScript console errors: {console}"

    def close(self):
        self.lab.shutdown_kernels()
        self.page.close()


def image_bytes(widget):
    """The bytes of the widget's picture (its blob: URL changes on every redraw, so compare bytes)."""
    data = widget.locator("img.widget-image").evaluate(
        """async img => { const b = await (await fetch(img.src)).arrayBuffer();
                          let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); return btoa(s); }""")
    return base64.b64decode(data)


def wait_changed(nb, read, old):
    """Wait until read() differs from old (polling) and the kernel is idle; return the new value."""
    nb.page.wait_for_function("() => true")  # let pending events run
    for _ in range(WAIT_MS // 100):
        value = read()
        if value != old:
            nb.wait_idle()
            return read()
        nb.page.wait_for_timeout(100)
    raise AssertionError(f"{nb.name}: nothing changed")


def set_slider(nb, slider, value):
    """Type a value into the slider's readout, as a student can, and press Enter."""
    readout = slider.locator(".widget-readout")
    readout.click()
    nb.page.keyboard.press("Control+A")
    nb.page.keyboard.type(str(value))
    nb.page.keyboard.press("Enter")


def readout(slider):
    return slider.locator(".widget-readout").text_content().strip()


def screenshot(nb, widget, label):
    """Keep screenshots of the widget at 1366 and 1920 px wide (HiDPI: 2 device pixels per CSS pixel)."""
    if not SCREENSHOTS:
        return
    out = Path(SCREENSHOTS)
    out.mkdir(parents=True, exist_ok=True)
    for width in (1366, 1920):
        nb.page.set_viewport_size({"width": width, "height": 1000})
        nb.page.wait_for_timeout(300)
        widget.scroll_into_view_if_needed()
        widget.screenshot(path=out / f"{label}_{width}.png")
    nb.page.set_viewport_size({"width": 1366, "height": 900})


@pytest.fixture
def open_notebook(lab, browser):
    opened = []

    def open_(name):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, device_scale_factor=2)
        nb = Notebook(context.new_page(), lab, name)
        opened.append((nb, context))
        return nb

    yield open_
    for nb, context in opened:
        nb.close()
        context.close()


def check_natural_size(widget):
    """The picture is shown at half its pixel width (2x HiDPI), not stretched to the output width."""
    shown, natural = widget.locator("img.widget-image").evaluate("i => [i.getBoundingClientRect().width, i.naturalWidth]")
    assert abs(shown - natural / 2) < 1, (shown, natural)


def check_full_labels(widget):
    for label in widget.locator(".widget-label").all():
        if label.is_visible():
            assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), f"cut label: {label.text_content()}"


def test_forward_step_widget(open_notebook):
    nb = open_notebook("01_forward_pass.ipynb")
    cell = nb.run("notebook_setup()", 'forward_step_widget("dog")')  # the setup cell is all it needs
    widget = cell.locator(".jp-OutputArea-output .widget-vbox").first
    widget.locator("img.widget-image").wait_for(state="attached", timeout=WAIT_MS)
    slider, word, status = widget.locator(".widget-slider"), widget.locator(".widget-text input"), widget.locator(".widget-html")
    picture = lambda: image_bytes(widget)  # noqa: E731
    step1 = picture()
    assert readout(slider) == "1" and step1.startswith(b"\x89PNG")
    check_natural_size(widget)
    check_full_labels(widget)
    screenshot(nb, widget, "01_forward_step")

    set_slider(nb, slider, 3)
    step3 = wait_changed(nb, picture, step1)
    set_slider(nb, slider, 1)
    assert wait_changed(nb, picture, step3) == step1  # the control came back, so did the picture

    word.fill("god")
    god = wait_changed(nb, picture, step1)
    word.fill("cat")  # a bad word: a message, and the last good picture stays
    nb.page.wait_for_function("e => /word must use only the letters d, o, g, s; got 'cat'/.test(e.textContent)",
                              arg=status.element_handle(), timeout=WAIT_MS)
    nb.wait_idle()
    assert picture() == god and "Traceback" not in widget.text_content()
    word.fill("dog")
    assert wait_changed(nb, picture, god) == step1 and status.text_content().strip() == ""

    set_slider(nb, slider, 3)  # typing a word letter by letter keeps the chosen step
    wait_changed(nb, picture, step1)
    word.fill("")
    for letter in "dog":
        word.press(letter)
    nb.page.wait_for_function("s => s.querySelector('.widget-readout').textContent.trim() === '3'",
                              arg=slider.element_handle(), timeout=WAIT_MS)
    nb.wait_idle()
    assert picture() == step3 and word.input_value() == "dog"

    # A fast drag across the slider and back: the picture settles on the slider's final step.
    handle, track = slider.locator(".noUi-handle"), slider.locator(".noUi-base").bounding_box()
    box = handle.bounding_box()
    nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    nb.page.mouse.down()
    y = box["y"] + box["height"] / 2
    for fraction in [i / 20 for i in range(21)] + [1 - i / 20 for i in range(12)]:
        nb.page.mouse.move(track["x"] + fraction * track["width"], y)
    nb.page.mouse.up()
    nb.wait_idle()
    nb.page.wait_for_timeout(500)
    nb.wait_idle()
    final, dragged = int(readout(slider)), picture()
    other = 1 if final != 1 else 3
    set_slider(nb, slider, other)
    wait_changed(nb, picture, dragged)
    set_slider(nb, slider, final)
    nb.page.wait_for_function("([s, v]) => s.querySelector('.widget-readout').textContent.trim() === v",
                              arg=[slider.element_handle(), str(final)], timeout=WAIT_MS)
    nb.wait_idle()
    nb.check_clean()
    if picture() != dragged:
        # Issue 13's "picture a step behind the slider": seen here in 1 of 4 runs. The kernel draws the
        # controls' current values and handles messages in order; where the last value is lost (front-end
        # throttling of slider messages is the suspect) is not found yet. Reported, not hidden.
        pytest.xfail(f"known (issue 13): after a fast drag the picture was not that of the slider's step {final}")


def test_temperature_widget(open_notebook):
    nb = open_notebook("02_char_rnn.ipynb")
    cell = nb.run_through("widget = temperature_widget(")  # it needs the model trained above it
    widget = cell.locator(".jp-OutputArea-output .widget-vbox").first
    widget.locator(".widget-html pre").wait_for(state="attached", timeout=WAIT_MS)
    slider = widget.locator(".widget-slider")
    text = lambda: widget.locator(".widget-html pre").text_content()  # noqa: E731
    first = text()
    assert readout(slider) == "0.80" and first.startswith("Shall I compare thee")
    check_full_labels(widget)
    screenshot(nb, widget, "02_temperature")
    set_slider(nb, slider, 1.5)
    hot = wait_changed(nb, text, first)
    assert hot.startswith("Shall I compare thee")
    set_slider(nb, slider, 0.8)
    assert wait_changed(nb, text, hot) == first
    set_slider(nb, slider, 9)  # out of range: the slider stops at its maximum, no error
    wait_changed(nb, text, first)
    assert readout(slider) == "2.00"
    nb.check_clean()


def test_truncation_widget(open_notebook):
    nb = open_notebook("03_bptt.ipynb")
    cell = nb.run_through("truncation_widget(T_big, curves, k=8)")  # it needs the curves measured above it
    widget = cell.locator(".jp-OutputArea-output .widget-vbox").first
    widget.locator("img.widget-image").wait_for(state="attached", timeout=WAIT_MS)
    slider = widget.locator(".widget-slider")
    picture = lambda: image_bytes(widget)  # noqa: E731
    k8 = picture()
    check_natural_size(widget)
    check_full_labels(widget)
    screenshot(nb, widget, "03_truncation")
    set_slider(nb, slider, 3)
    k3 = wait_changed(nb, picture, k8)
    set_slider(nb, slider, 8)
    assert wait_changed(nb, picture, k3) == k8
    nb.check_clean()


def test_gradient_decay_widget(open_notebook):
    nb = open_notebook("04_vanishing_exploding.ipynb")
    cell = nb.run("from rnnlib.widgets import gradient_decay_widget", "gradient_decay_widget(sigma_max=1.0")
    widget = cell.locator(".jp-OutputArea-output .widget-vbox").first
    widget.locator("img.widget-image").wait_for(state="attached", timeout=WAIT_MS)
    slider = widget.locator(".widget-slider")
    picture = lambda: image_bytes(widget)  # noqa: E731
    start = picture()
    assert readout(slider) == "1.00"
    check_natural_size(widget)
    check_full_labels(widget)
    set_slider(nb, slider, 1.5)
    moved = wait_changed(nb, picture, start)
    screenshot(nb, widget, "04_gradient_decay_sigma1.5")
    set_slider(nb, slider, 1.0)
    assert wait_changed(nb, picture, moved) == start
    for option, back in [("linear", "tanh"), ("non-normal", "normal")]:
        widget.get_by_role("button", name=option, exact=True).click()
        moved = wait_changed(nb, picture, start)
        widget.get_by_role("button", name=back, exact=True).click()
        assert wait_changed(nb, picture, moved) == start, option
    nb.check_clean()
