"""Every notebook presented as a lecture, as a lecturer would at a projector: 1280×720 at 150% zoom.

Opens each notebook in JupyterLab (headless Chromium, one page; tests/labserver.py), runs it as the lecturer
does (README "Present a lecture": Run All, wait until the kernel is idle), starts the slideshow (the
jupyterlab-slideshow extension) and walks through every slide and every step of it with the keyboard (→),
checking at each step that:
- the deck shows exactly the cells the notebook's slideshow metadata puts on screen, and the number
  of slides is 20–45;
- nothing on screen scrolls: the cells on screen fit the 853×480 CSS px (1280×720 device px) page,
  no code line is cut and no printed line is wider than the slide (it would wrap inside a number);
- every display equation (MathJax) lies inside its cell's text column (a wider one is cut at the right edge);
  the step waits until MathJax has typeset the cells on screen;
- every picture's text is legible: at least MIN_FIGURE_TEXT_PX (14) projector pixels. How it is measured:
  rnnlib.pngtext.save_png, which makes every figure a notebook shows (notebook_setup's PNG formatter), records
  in the PNG (a tEXt chunk) the smallest font size it drew, in the PNG's own pixels (points × dpi / 72: the
  matplotlib Text artists actually drawn, so tick labels of a hidden axis do not count). The test reads that
  record from the picture on the slide and multiplies it by the picture's scale there (shown CSS width /
  PNG width × 1.5 device px per CSS px). A picture without the record fails: its legibility is unknown;
- no visible cell shows plumbing: an assert, an import, `NBVAL`, a solution marker, `%matplotlib`;
- each widget on a slide is live: one control moved (a slider's handle one step with the keyboard, else a
  dropdown's option, else a toggle button) changes its output (its pictures' bytes or its text); in 01 the
  widget cell is first re-run on its slide with Ctrl+Enter, as the README says; no widget sits on a skip cell.
Escape leaves the slideshow.

Three tests need no browser and run everywhere: every cell's slide type (no subslide: → skips it), plumbing
off the slides and 20–45 slides (test_every_cell_has_slideshow_metadata); no prose about the test machinery on a slide
(test_no_prose_about_tests_on_a_slide: TEST_PROSE's narrow list of words, which leaves course words such as
"gradient check" or "test time" alone); no hidden cell holding what a slide promises
(test_no_hidden_cell_holds_what_a_slide_promises: a skip/notes code cell whose stored output is a figure, a
widget, HTML or more than MAX_HIDDEN_LINES printed lines).

Run All makes the file slower than a walk over stored outputs (by the notebooks' own run times, 17–50 s each
idle); see docs/testing.md for the times measured. The browser part needs Playwright and Chromium like tests/test_browser.py
(skipped with the reason otherwise, unless RNN_COURSE_REQUIRE_BROWSER=1). RNN_COURSE_SLIDES=DIR keeps a
screenshot of every step.
"""
import io
import json
import os
import re
import shutil
import time
import tokenize
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
RUN_ALL_MS = 900_000  # README: 17–50 s per notebook; on the 2-core machine at load average ~20, 06 took 500 s
# Figure text: at least 14 px on the projector (device px), i.e. about 9.3 CSS px at 150% zoom
MIN_FIGURE_TEXT_PX = 14

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


def slide_numbers(cells, indices):
    """(slide number, cell index) for these cells: the number of the slide that is on screen at that cell."""
    number, at = 0, {}
    for i, cell in enumerate(cells):
        number += slide_type(cell) == "slide" or i == 0
        at[i] = number
    return [(at[i], i) for i in indices]


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
    # jupyterlab-slideshow links a subslide below its slide (↓), and → goes on to the next slide: a lecturer
    # stepping with → (README) never sees it
    subslides = [i for i, cell in enumerate(cells) if slide_type(cell) == "subslide"]
    assert not subslides, f"{name} cells {subslides} are subslides, which → skips (only ↓ reaches them): make them slides"
    assert slide_type(cells[0]) == "slide"
    slides = sum(slide_type(cells[i]) == "slide" for i in shown)
    assert MIN_SLIDES <= slides <= MAX_SLIDES, f"{name}: {slides} slides"


# Prose about the test machinery is the lecturer's business, not the class's: a `notes` cell (speaker notes)
# or nothing. The words are narrow on purpose: course words such as "gradient check", "checker", "test
# time", "test split" or "the test captions" are not flagged.
TEST_PROSE = re.compile(r"nbval|stored outputs?|\btest run\b|instructor version|pytest|\bassert(?:s|ed|ing|ions?)?\b"
                        r"|\bthe tests\b|\bunit tests?\b|CPU profiles?", re.IGNORECASE)
TEST_PROSE_CASED = re.compile(r"\bCI\b")  # continuous integration; lower-case "ci" is not a word here
# A hidden (skip/notes) code cell may print a short verdict or a few lines of evidence for the lecturer; more
# than this many printed lines, a picture, an HTML table or a widget is something the class should see.
MAX_HIDDEN_LINES = 3
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def prose(cell):
    """The words a cell puts on a slide: a markdown cell's text, a code cell's comments."""
    source = "".join(cell["source"])
    if cell["cell_type"] != "code":
        return source
    try:
        return "\n".join(t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT)
    except (tokenize.TokenError, SyntaxError, IndentationError):  # IPython syntax (%magic, !shell): every line's # part
        return "\n".join(line[line.index("#"):] for line in source.splitlines() if "#" in line)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_prose_about_tests_on_a_slide(name):
    cells, shown = lecture(name)
    found = []
    for slide, i in slide_numbers(cells, shown):
        text = prose(cells[i])
        for m in [*TEST_PROSE.finditer(text), *TEST_PROSE_CASED.finditer(text)]:
            context = " ".join(text[max(0, m.start() - 60):m.end() + 40].split())
            found.append(f"{name} slide {slide} (cell {i}, {cells[i]['cell_type']}): {m.group(0)!r} in \"…{context}…\"")
    assert not found, ("prose about the tests on a slide (move it into a `notes` cell, or drop it):\n"
                       + "\n".join(found))


def hidden_output(cell):
    """What a cell's stored outputs would show the class, in words ("" if nothing or a short printout)."""
    kinds, lines = [], 0
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            lines += sum(bool(line.strip()) for line in "".join(out["text"]).splitlines())
        elif out["output_type"] in ("display_data", "execute_result"):
            data = out["data"]
            plain = "".join(data.get("text/plain", ""))
            if any(k.startswith("image/") for k in data):
                kinds.append("a figure")
            elif WIDGET_MIME in data or plain.startswith("[interactive widget:"):
                kinds.append("a widget")
            elif "text/html" in data:
                kinds.append("an HTML table or page")
            else:
                lines += sum(bool(line.strip()) for line in plain.splitlines())
        elif out["output_type"] == "error":
            kinds.append("an error")
    if lines > MAX_HIDDEN_LINES:
        kinds.append(f"{lines} printed lines")
    return ", ".join(sorted(set(kinds), key=kinds.index))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_hidden_cell_holds_what_a_slide_promises(name):
    """A skip/notes code cell whose stored output is a figure, a widget, an HTML table or more than a few printed
    lines: the class never sees it. Show it on a slide (a visible cell may carry nbval's `nbval-ignore-output`
    tag instead of the `# NBVAL_IGNORE_OUTPUT` comment) and keep its asserts in the next skip cell."""
    cells, _ = lecture(name)
    slides = {i: s for s, i in slide_numbers(cells, range(len(cells)))}
    found = []
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and slide_type(cell) in HIDDEN and (what := hidden_output(cell)):
            first = next((line for line in "".join(cell["source"]).splitlines() if line.strip() and "NBVAL" not in line), "")
            found.append(f"{name} cell {i} ({slide_type(cell)}, after slide {slides[i]}) hides {what}: {first[:70]!r}")
    assert not found, "output the class never sees:\n" + "\n".join(found)


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
  // display maths (MathJax 3, or MathJax 2 / KaTeX) inside the text column of its cell: a wider one is cut
  for (const [cell, i] of on) {
    const md = cell.node.querySelector('.jp-RenderedMarkdown');
    if (!md) continue;
    const box = md.getBoundingClientRect(), right = Math.min(box.right, page.w);
    for (const d of md.querySelectorAll('mjx-container[display="true"], .MathJax_Display, .katex-display')) {
      const ink = d.querySelector(':scope > mjx-math, .MathJax, .katex') || d;
      const r = ink.getBoundingClientRect();
      const wide = Math.max(r.right, d.getBoundingClientRect().left + d.scrollWidth);
      if (r.width > 0 && (wide > right + 1 || r.left < box.left - 1)) {
        const tex = d.textContent.replace(/\s+/g, ' ').trim().slice(0, 50);
        state.problems.push(`cell ${i}: display maths ${Math.round(wide - r.left)} px wide in a text column of ${Math.round(right - box.left)} px`
                            + ` (cut at the right edge)${tex ? ': ' + tex : ''}`);
      }
    }
  }
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


RAW_TEX = r"""() => { const nb = window.jupyterapp.shell.currentWidget.content;
  return nb.widgets.map((c, i) => [c, i]).filter(([c]) => c.node.classList.contains('jp-deck-mod-onscreen')
      && c.node.getBoundingClientRect().height > 0 && c.node.querySelector('.jp-RenderedMarkdown'))
    .filter(([c]) => /\$\$|\\begin\{|\\\[/.test(c.node.querySelector('.jp-RenderedMarkdown').textContent)).map(([c, i]) => i); }"""


def typeset(page, name, slide, problems):
    """Wait until MathJax has typeset the display maths of the cells on screen (it typesets a cell when it is shown)."""
    try:
        page.wait_for_function(f"() => ({RAW_TEX})().length === 0", timeout=15_000)
    except sync_api.TimeoutError:
        problems.append(f"{name} slide {slide}: cells {page.evaluate(RAW_TEX)} still show raw TeX ($$, \\begin, \\[) after 15 s")


def run_all(page, name):
    """Run All, as the lecturer does before starting the deck (README): clear the stored outputs first, so the
    wait below sees this run, then wait until every code cell has run and the kernel is idle."""
    page.evaluate("async () => { const c = window.jupyterapp.commands; await c.execute('notebook:clear-all-cell-outputs');"
                  " await c.execute('notebook:run-all-cells'); }")
    page.wait_for_function(f"""() => {{ const w = ({PANEL})(), code = w.content.widgets.filter(c => c.model.type === 'code');
        return code.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'))
            || (w.sessionContext.kernelDisplayStatus === 'idle' && code.every(c => c.model.executionCount !== null)); }}""",
                           timeout=RUN_ALL_MS)
    failed = page.evaluate(f"""() => ({PANEL})().content.widgets.map((c, i) => [c, i]).filter(([c]) => c.model.type === 'code'
        && c.model.outputs.toJSON().some(o => o.output_type === 'error'))
        .map(([c, i]) => i + ': ' + c.model.outputs.toJSON().filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue).join('; '))""")
    assert not failed, f"{name}: Run All stopped at an error in cell {failed}"


WIDGET_CELLS = """() => ({PANEL})().content.widgets.map((c, i) => [c, i]).filter(([c]) => c.model.type === 'code'
    && c.model.outputs.toJSON().some(o => o.data && o.data['application/vnd.jupyter.widget-view+json'])).map(([c, i]) => i)"""

OUTPUT_STATE = """async i => { // what a widget's output shows: its pictures' bytes and its text, not its controls
  const node = window.jupyterapp.shell.currentWidget.content.widgets[i].node.querySelector('.jp-Cell-outputArea');
  const parts = [];
  for (const img of node.querySelectorAll('img')) {
    const b = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    let h = 2166136261; for (const x of b) h = Math.imul(h ^ x, 16777619) >>> 0;  // FNV-1a
    parts.push(`img ${b.length} ${h}`);
  }
  for (const e of node.querySelectorAll('.widget-html-content, .widget-output, .widget-textarea textarea, pre'))
    parts.push(e.value !== undefined ? e.value : e.textContent);
  return parts.join('\\n'); }"""


def move_control(page, cell):
    """Move one control of the widget in this cell, as a lecturer would on its slide: a slider's handle one step
    with the keyboard (back one step if it is at its end), else another option of a dropdown, else another toggle
    button. Returns what was moved; raises AssertionError if the widget's output does not change."""
    on = f"window.jupyterapp.shell.currentWidget.content.widgets[{cell}].node"
    page.wait_for_function(f"() => {on}.querySelector('.jp-OutputArea-output .widget-box, .jp-OutputArea-output .jupyter-widgets')",
                           timeout=WAIT_MS)
    before = page.evaluate(OUTPUT_STATE, cell)
    area = page.locator(".jp-deck-mod-onscreen").filter(has=page.locator(".jupyter-widgets")).locator(".jp-Cell-outputArea").first
    handle, select, toggle = area.locator(".noUi-handle").first, area.locator("select").first, \
        area.locator(".widget-toggle-button:not(.mod-active)").first
    if handle.count():
        readout = area.locator(".widget-readout").first
        was = readout.text_content() if readout.count() else None
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        if readout.count() and readout.text_content() == was:  # at the right end
            page.keyboard.press("ArrowLeft")
        moved = f"slider {was} -> {readout.text_content() if readout.count() else '?'}"
    elif select.count():
        options = select.locator("option").all_text_contents()
        value = select.evaluate("s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : ''")
        other = next(o for o in options if o != value)
        select.select_option(label=other)
        moved = f"dropdown {value!r} -> {other!r}"
    elif toggle.count():
        moved = f"toggle button {toggle.text_content()!r}"
        toggle.click()
    else:
        raise AssertionError(f"cell {cell}: the widget has no slider, dropdown or toggle button to move")
    for _ in range(WAIT_MS // 200):
        if page.evaluate(OUTPUT_STATE, cell) != before:
            return moved
        page.wait_for_timeout(200)
    raise AssertionError(f"cell {cell}: moved the widget's {moved}, and its output did not change in {WAIT_MS // 1000} s")


FIGURE_TEXT = r"""async () => { // the smallest text of each picture on screen (rnnlib.pngtext.save_png's record), as projected
  const nb = window.jupyterapp.shell.currentWidget.content, found = [];
  const key = 'rnnlib smallest text';
  for (const [cell, i] of nb.widgets.map((c, i) => [c, i])) {
    if (!cell.node.classList.contains('jp-deck-mod-onscreen')) continue;
    for (const [k, img] of [...cell.node.querySelectorAll('.jp-OutputArea-output img')].entries()) {
      const r = img.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || !img.naturalWidth || getComputedStyle(img).visibility === 'hidden') continue;
      const b = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
      let record = null, pos = 8;
      const png = b.length > 8 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
      while (png && pos + 8 <= b.length) {
        const len = ((b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]) >>> 0;
        const type = String.fromCharCode(...b.slice(pos + 4, pos + 8));
        if (type === 'tEXt') {
          const text = String.fromCharCode(...b.slice(pos + 8, pos + 8 + len)), cut = text.indexOf('\0');
          if (text.slice(0, cut) === key) record = text.slice(cut + 1);
        }
        pos += 12 + len;
      }
      found.push({cell: i, k, record, scale: r.width / img.naturalWidth * window.devicePixelRatio,
                  shown: Math.round(r.width), natural: img.naturalWidth, widget: img.classList.contains('widget-image')});
    }
  }
  return found; }"""


def figure_text(page, name, slide, seen, problems):
    """Every picture on screen: its smallest text (the px the PNG records) at the scale the slide shows it, in
    projector pixels, must be at least MIN_FIGURE_TEXT_PX. Each picture is reported once."""
    for f in page.evaluate(FIGURE_TEXT):
        where = f"{name} slide {slide} (cell {f['cell']}, {'widget picture' if f['widget'] else 'figure'} {f['k'] + 1})"
        if (f["cell"], f["k"], f["record"]) in seen:
            continue
        seen.add((f["cell"], f["k"], f["record"]))
        if f["record"] is None:
            problems.append(f"{where}: the PNG does not record its smallest text, so its legibility is unknown ("
                            + ("rnnlib.widgets.render_png must save with rnnlib.pngtext.save_png)" if f["widget"] else
                               "not drawn through rnnlib.plotting.notebook_setup's formatter, e.g. Image(...) or a stale output)"))
        elif f["record"] != "no text":
            projected = float(f["record"].split(" ", 1)[0]) * f["scale"]
            if projected < MIN_FIGURE_TEXT_PX:
                problems.append(f"{where}: smallest text {projected:.1f} projected px < {MIN_FIGURE_TEXT_PX} "
                                f"({f['record']}; the picture is {f['natural']} px, shown {f['shown']} CSS px wide)")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_lecture(page, name):
    cells, shown = lecture(name)
    first_error = len(page.console_errors)  # this notebook's errors only: one failure does not fail the next notebooks
    open_notebook(page, name)
    TIMES.append((f"{name}: open", time.monotonic()))
    run_all(page, name)  # README: Run All, then start the deck
    TIMES.append((f"{name}: Run All done", time.monotonic()))
    widget_cells = page.evaluate(WIDGET_CELLS.replace("{PANEL}", PANEL))
    hidden_widgets = [i for i in widget_cells if i not in shown]
    page.evaluate(f"() => {{ const w = ({PANEL})(); w.content.activeCellIndex = 0; w.content.mode = 'command'; w.content.activeCell.node.focus(); }}")
    page.evaluate("() => window.jupyterapp.commands.execute('deck:start')")
    page.wait_for_function("() => document.body.dataset.jpDeckMode === 'presenting'", timeout=WAIT_MS)
    problems, slides, fonts, seen, moved = [], 0, set(), set(), {}
    for step, expected in enumerate(shown):
        if step:
            page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function(f"i => ({PANEL})().content.activeCellIndex === i", arg=expected, timeout=30_000)
        except sync_api.TimeoutError:
            active = page.evaluate(f"() => ({PANEL})().content.activeCellIndex")
            raise AssertionError(f"{name} after slide {slides}: → did not reach cell {expected} (slide type "
                                 f"{slide_type(cells[expected])!r}) in 30 s; the deck is at cell {active}"
                                 + (" (→ skips a subslide; ↓ reaches it: make it a slide)" if slide_type(cells[expected]) == "subslide" else "")
                                 + "; problems so far:\n" + "\n".join(problems)) from None
        starts = slide_type(cells[expected]) == "slide" or step == 0
        typeset(page, name, slides + starts, problems)
        state = page.evaluate(STEP_STATE, starts)
        slides += starts
        assert expected in state["onscreen"], f"{name} cell {expected} is active but not on screen"
        hidden_on_screen = [i for i in state["onscreen"] if i not in shown]
        assert not hidden_on_screen, f"{name}: cells {hidden_on_screen} (skip/notes) are on screen"
        problems += [f"{name} slide {slides} (cell {expected}): {p}" for p in state["problems"]]
        fonts.update(state["fonts"])
        figure_text(page, name, slides, seen, problems)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=Path(SHOTS) / f"{name[:2]}_{slides:02d}_{expected:03d}.png")
        if expected in widget_cells:  # live on its slide: move one control, its output must follow
            if name.startswith("01"):  # README: Ctrl+Enter runs a cell on a slide and stays there
                count = page.evaluate(f"i => ({PANEL})().content.widgets[i].model.executionCount", expected)
                page.keyboard.press("Control+Enter")
                page.wait_for_function(f"""([i, n]) => {{ const w = ({PANEL})(); return w.content.widgets[i].model.executionCount > n
                    && w.sessionContext.kernelDisplayStatus === 'idle'; }}""", arg=[expected, count], timeout=WAIT_MS)
            try:
                moved[expected] = move_control(page, expected)
            except AssertionError as e:
                problems.append(f"{name} slide {slides} (cell {expected}): {e}")
            assert page.evaluate(f"() => ({PANEL})().content.activeCellIndex") == expected
            problems += [f"{name} slide {slides} (cell {expected}), widget moved: {p}" for p in page.evaluate(STEP_STATE, True)["problems"]]
            figure_text(page, name, slides, seen, problems)  # the moved widget's new picture
            page.evaluate(f"i => {{ const w = ({PANEL})(); w.content.mode = 'command'; w.content.widgets[i].node.focus(); }}", expected)
    page.keyboard.press("ArrowRight")  # past the last cell: the deck stays on it
    page.wait_for_timeout(200)
    assert page.evaluate(f"() => ({PANEL})().content.activeCellIndex") == shown[-1]
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.body.dataset.jpDeckMode !== 'presenting'", timeout=WAIT_MS)
    TIMES.append((f"{name}: {slides} slides, {len(shown)} steps, widgets moved: {moved}", time.monotonic()))
    page.evaluate(f"() => ({PANEL})().dispose()")  # close the tab (its kernel stops with the server): the next notebook lays out alone
    assert MIN_SLIDES <= slides <= MAX_SLIDES, f"{name}: {slides} slides"
    problems += [f"{name} cell {i}: a widget on a skip/notes cell (the class never sees it)" for i in hidden_widgets]
    assert not problems, "\n".join(problems)
    assert fonts == {"12px"}, f"{name}: code and printed output on the slides at {fonts} (the notebook's deck styles: 12px)"
    errors = [m for m in page.console_errors[first_error:] if "status of 500" not in m]
    assert not errors, errors
