"""The offline hand-out (python -m rnnlib.slides handout): cells grouped into slides by their metadata, skip cells
left out, speaker notes kept but hidden, every picture embedded, nothing loaded from the network, bad input
refused with one line; and, where Playwright and Chromium are installed, one deck driven offline in Chromium."""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rnnlib.slides import group_cells, read_deck, write_handout
from rnnlib.slides.cli import main
from rnnlib.slides.mathjax import MATHJAX_FILES

ROOT = Path(__file__).resolve().parent.parent
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
URL = re.compile(r"https?://", re.IGNORECASE)
# The web addresses in MathJax's own files, none of them loaded: licence headers, XML namespaces, its home page
# (the menu's About box), and two links in the text that FontWarnings.js shows when a font cannot be loaded.
MATHJAX_URLS = {"http://www.apache.org/licenses/LICENSE-2.0", "http://www.apache.org/licenses/",
                "http://www.w3.org/1998/Math/MathML", "http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg",
                "http://www.mathjax.org", "http://www.mathjax.org/", "http://www.stixfonts.org/",
                "https://github.com/mathjax/MathJax/tree/master/fonts/HTML-CSS/TeX/otf"}


def cell(kind, source, slide_type=None, outputs=()):
    c = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
    if kind == "code":
        c.outputs = list(outputs)
    if slide_type is not None:
        c.metadata["slideshow"] = {"slide_type": slide_type}
    return c


def tiny_notebook(folder):
    """Eleven cells, four slides: every slide type, a picture in an output and one in the markdown, a widget."""
    (folder / "dot.png").write_bytes(base64.b64decode(PNG))
    image = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    widget = nbformat.v4.new_output("execute_result", data={"text/plain": "[interactive widget: a slider]"},
                                    execution_count=3)
    cells = [
        cell("md", "# Tiny deck\n\nThe step: $h_t = \\tanh(W_{hh} h_{t-1})$.", "slide"),
        cell("code", "plt.imshow(x)", "-", [image]),
        cell("md", "Appears later: $$a_1 = W_X x_1$$", "fragment"),
        cell("code", "assert h.shape == (3, 1)  # SKIPPED-CELL", "skip"),
        cell("md", "Say this aloud: SPEAKER-NOTE", "notes"),
        cell("md", "## Second\n\n![a dot](dot.png) and ![remote](https://example.org/x.png)", "subslide"),
        cell("code", "print('continues')", None, [nbformat.v4.new_output("stream", name="stdout", text="continues\n")]),
        cell("md", "", "slide"),  # empty: left out, and starts nothing
        cell("code", "widget()", "slide", [widget]),
        cell("code", "print(1)", "", [nbformat.v4.new_output("stream", name="stdout", text="1\n")]),
        cell("md", "## Last", "slide"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    path = tiny_notebook(folder)
    out = folder / "handout"
    write_handout([path], out)
    return path, out


def test_cells_are_grouped_by_their_slide_type(tiny):
    deck = read_deck(tiny[0])
    cells = deck.notebook["cells"]
    assert [s.first_cell for s in deck.slides] == [0, 5, 8, 10]
    first, second, widget, last = deck.slides
    assert [[cells.index(c) for c in step] for step in first.steps] == [[0, 1], [2]]  # the fragment is a step
    assert [cells.index(c) for c in first.notes] == [4] and not second.notes
    assert second.sub and not first.sub
    assert [cells.index(c) for c in second.cells] == [5, 6]  # a cell without metadata continues the slide
    assert [cells.index(c) for c in widget.cells] == [8, 9]  # "" continues it too
    assert all(3 not in [cells.index(c) for c in s.cells + s.notes] for s in deck.slides)


def test_a_deck_starts_with_a_slide_whatever_its_first_cell_says():
    cells = [cell("md", "notes first", "notes"), cell("md", "text", "-"), cell("md", "more", "fragment")]
    slides = group_cells(cells)
    assert len(slides) == 1 and slides[0].notes == [cells[0]] and slides[0].steps == [[cells[1]], [cells[2]]]


def test_skip_cells_are_absent_and_notes_are_hidden(tiny):
    page = (tiny[1] / "tiny.html").read_text()
    assert "SKIPPED-CELL" not in page
    assert page.count('<section class="slide') == 4
    notes = re.findall(r'<aside class="notes">(.*?)</aside>', page, re.DOTALL)
    assert len(notes) == 4 and "SPEAKER-NOTE" in notes[0]
    assert "SPEAKER-NOTE" not in page.split('<aside class="notes">')[0]  # only inside the notes
    css = page.split("<style>")[1].split("</style>")[0]
    assert ".slide > .notes, #help, footer { display: none; }" in css  # without script: a document, no notes
    assert "visibility: hidden; }\nhtml.deck.show-notes .slide.current > .notes { visibility: visible; }" in css


def test_every_picture_is_embedded_and_the_widget_says_where_it_is_live(tiny):
    page = (tiny[1] / "tiny.html").read_text()
    sources = re.findall(r'<img[^>]*\bsrc="([^"]*)"', page)
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "[remote: an online picture, not part of the offline hand-out]" in page
    assert "Live in JupyterLab" in page and "[interactive widget: a slider]" in page


def files_of(out):
    return [p for p in out.rglob("*") if p.is_file()]


def assert_offline(out):
    """No deck or index names a web address; MathJax's files only in the few strings that load nothing."""
    for path in files_of(out):
        text = path.read_bytes().decode("utf-8", errors="replace")
        if path.parent == out:
            assert not URL.search(text), f"{path.name} names a web address"
        else:
            found = set(re.findall(r"https?://[A-Za-z0-9./_-]*[A-Za-z0-9/]", text))
            assert found <= MATHJAX_URLS, f"{path.relative_to(out)}: {sorted(found - MATHJAX_URLS)}"


def test_nothing_refers_to_the_web(tiny):
    assert_offline(tiny[1])


def test_the_mathjax_copy_is_what_the_decks_load(tiny):
    mathjax = tiny[1] / "mathjax"
    assert (mathjax / "MathJax.js").is_file()
    assert (mathjax / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()
    assert 'src="mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"' in (tiny[1] / "tiny.html").read_text()
    assert all((mathjax / name).exists() for name in MATHJAX_FILES)
    assert sum(p.stat().st_size for p in files_of(mathjax)) < 4_000_000  # only what the decks use (about 2.5 MB)


def expected_slides(cells):
    """The metadata's count, read independently of rnnlib.slides: cells on screen that start a slide."""
    shown = [c for c in cells if c["metadata"].get("slideshow", {}).get("slide_type") not in ("skip", "notes")
             and ("".join(c["source"]).strip() or c.get("outputs"))]
    starts = sum(c["metadata"].get("slideshow", {}).get("slide_type") in ("slide", "subslide") for c in shown)
    return starts + (shown[0]["metadata"].get("slideshow", {}).get("slide_type") not in ("slide", "subslide"))


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    out = tmp_path_factory.mktemp("handout")
    path = ROOT / "notebooks" / "01_forward_pass.ipynb"
    assert main(["handout", str(path), "--out", str(out)]) == 0
    return path, out


def test_a_real_lecture_has_the_slides_its_metadata_asks_for(lecture):
    path, out = lecture
    nb = json.loads(path.read_text())
    page = (out / "01_forward_pass.html").read_text()
    assert page.count('<section class="slide') == expected_slides(nb["cells"]) >= 20
    images = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", [])
                 if c["metadata"]["slideshow"]["slide_type"] not in ("skip", "notes"))
    assert len(re.findall(r'<img[^>]*\bsrc="data:image/png;base64,', page)) == images > 0
    assert not re.findall(r'<img(?![^>]*\bsrc="data:)', page)
    assert_offline(out)


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err


@pytest.mark.parametrize("case, argument", [("missing", "notebook"), ("not a notebook", "notebook"),
                                            ("a folder", "notebook"), ("out is a file", "--out")])
def test_bad_input_is_one_line_naming_the_argument(tmp_path, capsys, case, argument):
    good = ROOT / "notebooks" / "01_forward_pass.ipynb"
    (tmp_path / "notes.txt").write_text("not json")
    (tmp_path / "taken").write_text("a file")
    notebook, out = {"missing": (tmp_path / "nope.ipynb", tmp_path / "out"),
                     "not a notebook": (tmp_path / "notes.txt", tmp_path / "out"),
                     "a folder": (tmp_path, tmp_path / "out"),
                     "out is a file": (good, tmp_path / "taken")}[case]
    code, err = run_cli(["handout", str(good), str(notebook), "--out", str(out)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("python -m rnnlib.slides: error: ")
    assert f"{argument} must be" in err, err
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_usage_errors_are_one_line(capsys):
    code, err = run_cli(["handout", "x.ipynb"], capsys)  # --out missing
    assert code == 2 and err.count("\n") == 1 and "--out" in err


def test_the_command_line_runs_as_a_module(tmp_path):
    result = subprocess.run([sys.executable, "-m", "rnnlib.slides", "handout", str(tmp_path / "nope.ipynb"),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "notebook must be" in result.stderr


CHROMIUM = os.environ.get("RNN_COURSE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def test_the_deck_works_offline_in_chromium(tiny):
    """Maths typeset from the local MathJax, keys move through steps and slides, `n` shows the notes, and the
    page asks the network for nothing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not CHROMIUM:
        pytest.skip("no chromium on PATH and RNN_COURSE_CHROMIUM is not set")
    asked = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1280, "height": 720}, offline=True)
        context.route(re.compile(r"^https?://"), lambda route: (asked.append(route.request.url), route.abort()))
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((tiny[1] / "tiny.html").as_uri())
        page.wait_for_function("() => document.documentElement.dataset.maths", timeout=60_000)
        state = "() => [document.getElementById('counter').textContent, document.documentElement.dataset.step]"
        visible = "sel => getComputedStyle(document.querySelector('.slide.current ' + sel)).visibility"
        assert page.evaluate("() => document.documentElement.dataset.maths") == "done"
        assert page.locator(".slide.current .step[data-step='0'] .MathJax").count() == 1  # the inline step
        assert page.evaluate(state) == ["1 / 4", "0"] and page.evaluate(visible, ".step[data-step='1']") == "hidden"
        assert page.evaluate(visible, ".notes") == "hidden"
        page.keyboard.press("n")
        assert page.evaluate(visible, ".notes") == "visible"
        page.keyboard.press("n")
        page.keyboard.press("ArrowRight")
        assert page.evaluate(state) == ["1 / 4", "1"] and page.evaluate(visible, ".step[data-step='1']") == "visible"
        page.keyboard.press("Space")
        assert page.evaluate(state) == ["2 / 4", "0"]
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(state) == ["1 / 4", "1"]  # back onto the whole previous slide
        page.keyboard.press("End")
        assert page.evaluate(state)[0] == "4 / 4"
        assert page.evaluate("() => document.querySelectorAll('.MathJax_Error').length") == 0
        browser.close()
    assert not asked and not errors, (asked, errors)
