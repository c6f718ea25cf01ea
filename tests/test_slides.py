"""Every notebook presented as a lecture, as a lecturer would at a projector: 1280×720 at 150% zoom.

Opens each notebook in JupyterLab (headless Chromium, one page; tests/labserver.py), starts the
slideshow (the jupyterlab-slideshow extension, README "Present a lecture") and walks through every
slide and every step of it with the keyboard (→), checking at each step that:
- the deck shows exactly the cells the notebook's slideshow metadata puts on screen, and the number
  of slides is 20–45;
- nothing on screen scrolls: the cells on screen fit the 853×480 CSS px (1280×720 device px) page,
  no code line is cut and no printed line is wider than the slide (it would wrap inside a number);
- no visible cell shows plumbing: an assert, an import, `NBVAL`, a solution marker, `%matplotlib`.
In 01 the setup cell runs first; on the widget's slide Ctrl+Enter runs the widget cell, and the widget is
moved there: its picture follows the slider. Escape leaves the slideshow.

The slides show the stored outputs (no training runs), so the whole file takes about a minute.
The browser part needs Playwright and Chromium like tests/test_browser.py (skipped with the reason
otherwise, unless RNN_COURSE_REQUIRE_BROWSER=1); the metadata test runs everywhere.
RNN_COURSE_SLIDES=DIR keeps a screenshot of every step.
"""
import base64
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from labserver import LabServer

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
CHROMIUM = os.environ.get("RNN_COURSE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SHOTS = os.environ.get("RNN_COURSE_SLIDES")
WAIT_MS = 120_000  # generous for a loaded 2-core machine; nothing here asserts a duration
# A 1280×720 projector at 150% zoom: a page of 853×480 CSS px drawn at 1.5 device px per CSS px.
VIEWPORT, SCALE = {"width": 853, "height": 480}, 1.5
MIN_SLIDES, MAX_SLIDES = 20, 45

REQUIRED = os.environ.get("RNN_COURSE_REQUIRE_BROWSER") == "1"  # .ci/run: fail instead of skipping
try:
    from playwright import sync_api
    NO_BROWSER = None if CHROMIUM else ("no chromium on PATH (Debian: apt-get install chromium) "
                                        "and RNN_COURSE_CHROMIUM is not set")
except ImportError:
    if REQUIRED:
        raise
    NO_BROWSER = "Playwright for Python is not installed (pip install -e '.[dev]')"
if NO_BROWSER and REQUIRED:
    raise RuntimeError(f"RNN_COURSE_REQUIRE_BROWSER=1 but {NO_BROWSER}")

HIDDEN = {"skip", "notes"}
PLUMBING_CODE = re.compile(r"\bassert\b|^\s*(import\s|from\s+\S+\s+import\s)|%matplotlib", re.MULTILINE)
PLUMBING_ANY = re.compile(r"NBVAL|### (BEGIN|END) SOLUTION")


def slide_type(cell):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def lecture(name):
    """(the notebook's cells, the indices of the cells the deck steps through, in order)."""
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    return cells, [i for i, c in enumerate(cells) if slide_type(c) not in HIDDEN]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_cell_has_slideshow_metadata(name):
    cells, shown = lecture(name)
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        kind = slide_type(cell)
        assert kind in {"slide", "subslide", "fragment", "", "skip", "notes"}, f"{name} cell {i}: slide_type {kind!r}"
        if kind not in HIDDEN:  # "-" is not used: the extension does not show such a cell ("" is "-")
            plumbing = PLUMBING_ANY.search(source) or (cell["cell_type"] == "code" and PLUMBING_CODE.search(source))
            assert not plumbing, f"{name} cell {i} is on a slide and shows {plumbing.group(0)!r}"
    assert slide_type(cells[0]) == "slide"
    slides = sum(slide_type(cells[i]) == "slide" for i in shown)
    assert MIN_SLIDES <= slides <= MAX_SLIDES, f"{name}: {slides} slides"


TIMES = []


@pytest.fixture(scope="module")
def page():
    if NO_BROWSER:  # the metadata test above runs anyway
        pytest.skip(NO_BROWSER)
    TIMES.append(("start", time.monotonic()))
    with LabServer(ROOT / "notebooks") as lab, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=SCALE)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.console_errors.append(f"page error: {e}"))
        page.goto(lab.url())
        page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-StatusBar-TextItem')", timeout=WAIT_MS)
        TIMES.append(("JupyterLab page loaded", time.monotonic()))
        yield page
        browser.close()
    TIMES.append(("stopped", time.monotonic()))
    print("\nslides test, seconds since the start:", *(f"{t - TIMES[0][1]:7.1f}  {what}" for what, t in TIMES), sep="\n")


PANEL = "() => window.jupyterapp.shell.currentWidget"

STEP_STATE = r"""full => {
  const panel = window.jupyterapp.shell.currentWidget, nb = panel.content;
  const page = {w: window.innerWidth, h: window.innerHeight};
  const on = nb.widgets.map((c, i) => [c, i]).filter(([c]) => c.node.classList.contains('jp-deck-mod-onscreen')
                                                          && c.node.getBoundingClientRect().height > 0);
  const state = {active: nb.activeCellIndex, onscreen: on.map(([c, i]) => i), problems: [], fonts: []};
  if (!full) return state;  // the cells on screen, and so their layout, change only when a slide starts
  let top = Infinity, bottom = -Infinity;
  const pres = [];
  for (const [cell, i] of on) {
    const r = cell.node.getBoundingClientRect();
    top = Math.min(top, r.top); bottom = Math.max(bottom, r.bottom);
    for (const s of cell.node.querySelectorAll('.cm-scroller'))
      if (s.scrollWidth > s.clientWidth + 1) state.problems.push(`cell ${i}: a code line is cut (${s.scrollWidth} > ${s.clientWidth} px)`);
    for (const img of cell.node.querySelectorAll('.jp-OutputArea-output img'))
      if (img.getBoundingClientRect().right > page.w + 1) state.problems.push(`cell ${i}: a picture is wider than the slide`);
    for (const pre of cell.node.querySelectorAll('.jp-OutputArea-output pre'))
      if (!/^\[interactive widget:|^\w+\(children=/.test(pre.textContent)) pres.push([pre, i]);  // not a widget before its cell runs
    for (const e of cell.node.querySelectorAll('.cm-content, .jp-OutputArea-output pre'))
      if (e.getBoundingClientRect().height > 0) state.fonts.push(getComputedStyle(e).fontSize);
  }
  // a printed line wider than the slide wraps (maybe inside a number): measure every line unwrapped, in one layout
  const old = pres.map(([pre]) => pre.style.whiteSpace);
  pres.forEach(([pre]) => { pre.style.whiteSpace = 'pre'; });
  const wide = pres.map(([pre, i]) => [pre.scrollWidth, pre.clientWidth, i]);
  pres.forEach(([pre], k) => { pre.style.whiteSpace = old[k]; });
  for (const [w, cw, i] of wide)
    if (w > cw + 1) state.problems.push(`cell ${i}: a printed line wraps (${w} > ${cw} px)`);
  if (bottom - top > page.h + 1) state.problems.push(`the cells on screen are ${Math.round(bottom - top)} px tall; the slide ${page.h} px`);
  return state;
}"""


def open_notebook(page, name):
    page.evaluate("async path => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", name)
    page.wait_for_function(f"path => {{ const w = ({PANEL})(); return w && w.context && w.context.path === path && w.content.widgets.length > 0 "
                           "&& w.sessionContext.session && w.sessionContext.session.kernel; }", arg=name, timeout=WAIT_MS)
    page.wait_for_function(f"() => ({PANEL})().content.widgets.every(c => c.model.type !== 'markdown' || c.rendered)", timeout=WAIT_MS)


def run_cells(page, indices):
    """Run these cells (as Shift+Enter does) and wait until each shows its execution count."""
    for i in indices:
        page.evaluate(f"""async i => {{ const w = ({PANEL})(); w.content.activeCellIndex = i;
            await window.jupyterapp.commands.execute('notebook:run-cell'); }}""", i)
    page.wait_for_function(f"""ix => {{ const w = ({PANEL})(); return w.sessionContext.kernelDisplayStatus === 'idle'
        && ix.every(i => /^\\[\\d+\\]:$/.test(w.content.widgets[i].node.querySelector('.jp-InputPrompt').textContent.trim())); }}""",
                           arg=indices, timeout=WAIT_MS)


def picture(page, cell):
    return base64.b64decode(page.evaluate("""async i => { const w = window.jupyterapp.shell.currentWidget;
        const img = w.content.widgets[i].node.querySelector('img.widget-image');
        const b = await (await fetch(img.src)).arrayBuffer(); let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x));
        return btoa(s); }""", cell))


def move_widget(page, cell):
    """01's step widget, live on its slide: type 3 into the slider's readout; the picture must change."""
    node = f"window.jupyterapp.shell.currentWidget.content.widgets[{cell}].node"
    page.wait_for_function(f"() => {node}.querySelector('img.widget-image')", timeout=WAIT_MS)
    before = picture(page, cell)
    readout = page.locator(".jp-deck-mod-onscreen .widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    for _ in range(WAIT_MS // 100):
        if picture(page, cell) != before:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the widget's picture did not follow its slider on the slide")
    assert readout.text_content().strip() == "3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_lecture(page, name):
    cells, shown = lecture(name)
    open_notebook(page, name)
    TIMES.append((f"{name}: open", time.monotonic()))
    widget_cells = [i for i in shown if cells[i]["cell_type"] == "code" and "_widget(" in "".join(cells[i]["source"])]
    live = name.startswith("01")
    if live:  # the setup cell (as Run All would); the widget cell is run on its slide
        run_cells(page, [next(i for i, c in enumerate(cells) if "%matplotlib" in "".join(c["source"]))])
    page.evaluate(f"() => {{ const w = ({PANEL})(); w.content.activeCellIndex = 0; w.content.mode = 'command'; w.content.activeCell.node.focus(); }}")
    page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
    page.wait_for_function("() => document.body.dataset.jpDeckMode === 'presenting'", timeout=WAIT_MS)
    problems, slides, fonts = [], 0, set()
    for step, expected in enumerate(shown):
        if step:
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"i => ({PANEL})().content.activeCellIndex === i", arg=expected, timeout=10_000)
        starts = slide_type(cells[expected]) == "slide" or step == 0
        state = page.evaluate(STEP_STATE, starts)
        slides += starts
        assert expected in state["onscreen"], f"{name} cell {expected} is active but not on screen"
        hidden_on_screen = [i for i in state["onscreen"] if i not in shown]
        assert not hidden_on_screen, f"{name}: cells {hidden_on_screen} (skip/notes) are on screen"
        problems += [f"{name} slide {slides} (cell {expected}): {p}" for p in state["problems"]]
        fonts.update(state["fonts"])
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=Path(SHOTS) / f"{name[:2]}_{slides:02d}_{expected:03d}.png")
        if live and expected in widget_cells:  # Ctrl+Enter runs the cell and stays on the slide (README)
            page.keyboard.press("Control+Enter")
            move_widget(page, expected)
            assert page.evaluate(f"() => ({PANEL})().content.activeCellIndex") == expected
            problems += [f"{name} slide {slides} (cell {expected}), widget moved: {p}" for p in page.evaluate(STEP_STATE, True)["problems"]]
            page.evaluate(f"i => {{ const w = ({PANEL})(); w.content.mode = 'command'; w.content.widgets[i].node.focus(); }}", expected)
    page.keyboard.press("ArrowRight")  # past the last cell: the deck stays on it
    page.wait_for_timeout(200)
    assert page.evaluate(f"() => ({PANEL})().content.activeCellIndex") == shown[-1]
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.body.dataset.jpDeckMode !== 'presenting'", timeout=WAIT_MS)
    TIMES.append((f"{name}: {slides} slides, {len(shown)} steps", time.monotonic()))
    page.evaluate(f"() => ({PANEL})().dispose()")  # close the tab (its kernel stops with the server): the next notebook lays out alone
    assert MIN_SLIDES <= slides <= MAX_SLIDES, f"{name}: {slides} slides"
    assert not problems, "\n".join(problems)
    assert fonts == {"12px"}, f"{name}: code and printed output on the slides at {fonts} (the notebook's deck styles: 12px)"
    errors = [m for m in page.console_errors if "status of 500" not in m]
    assert not errors, errors
