"""A student's side of the homework, in a real browser: the released notebook 03, nothing answered, Run All
reaches its last cell, and each check cell prints a one-line verdict instead of a traceback.

It reuses the browser test's set-up (tests/test_browser.py: Debian's chromium through Playwright, skipped
without them unless RNN_COURSE_REQUIRE_BROWSER=1) and a private JupyterLab (tests/labserver.py).
"""
import subprocess
import sys
import time

import pytest

from labserver import LabServer
from test_browser import CHROMIUM, CHROMIUM_ARGS, PANEL_JS, WAIT_MS, Notebook, sync_api

RUN_ALL_MS = 600_000  # the whole released notebook on a loaded 2-core machine
NAME = "03_bptt.ipynb"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    out = tmp_path_factory.mktemp("release")
    subprocess.run([sys.executable, "-m", "rnnlib.homework", "release", "03", "--out", str(out)], check=True,
                   capture_output=True)
    [path] = out.rglob(NAME)
    return path.parent


def test_released_notebook_runs_all_to_its_last_cell(released):
    start = time.monotonic()
    with LabServer(released) as lab, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        console = []
        page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
        page.goto(lab.url())
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell && document.querySelector('.jp-StatusBar-TextItem')",
                               timeout=WAIT_MS)  # as in test_browser: the app has started its plugins
        nb = Notebook(page, lab, NAME, console)
        nb.ready()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # Run All stops at the first error; every code cell has run only if none raised.
        page.wait_for_function(f"""id => {{ const w = ({PANEL_JS})(id);
            return w.sessionContext.kernelDisplayStatus === 'idle' &&
                   w.content.widgets.filter(c => c.model.type === 'code').every(c => c.model.executionCount !== null); }}""",
                               arg=nb.id, timeout=RUN_ALL_MS)
        outputs = page.evaluate(f"""id => ({PANEL_JS})(id).content.widgets.filter(c => c.model.type === 'code')
            .map(c => [c.model.sharedModel.getSource(), c.model.outputs.toJSON()])""", nb.id)
        errors = [o for _, outs in outputs for o in outs if o["output_type"] == "error"]
        assert not errors, [f"{e['ename']}: {e['evalue']}" for e in errors]
        verdicts = ["".join(o.get("text", "") for o in outs) for source, outs in outputs if "with verdict(" in source]
        assert verdicts and all(" not yet. " in v and "Traceback" not in v and v.count("\n") == 1 for v in verdicts), verdicts
        nb.check_clean()
        browser.close()
    print(f"\nreleased {NAME}: Run All in the browser took {time.monotonic() - start:.1f} s")
