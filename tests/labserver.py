"""A private JupyterLab server for the browser test: a temporary copy of notebooks/, its own settings,
workspaces and runtime folders, a free 127.0.0.1 port and a random token. Stopping it stops only this
server and the kernels it started.

    with LabServer(ROOT / "notebooks") as lab:
        page.goto(lab.url())  # then window.jupyterapp.commands.execute("docmanager:open", {"path": ...})
"""
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbenv

# Settings a student would not change but a test must: no news or update pop-ups (they need the
# network). The notebook's windowing stays JupyterLab's default ("contentVisibility": every cell is in
# the page, but the browser paints only those near the viewport; the test reads off-screen cells with
# textContent and waits for them with state="attached").
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rewrite_cells(path, pairs):
    """In the notebook at path (the served copy), replace each `old` text of a code cell by `new`.

    Each `old` must occur in exactly one code cell, once: a notebook that changed fails loudly here
    instead of serving a cell that no longer does what the test expects.
    """
    notebook = json.loads(path.read_text())
    for old, new in pairs:
        hits = [c for c in notebook["cells"] if c["cell_type"] == "code" and "".join(c["source"]).count(old) == 1]
        if len(hits) != 1:
            raise ValueError(f"{path.name}: {len(hits)} code cells contain {old!r} once; expected exactly one")
        hits[0]["source"] = "".join(hits[0]["source"]).replace(old, new)
    path.write_text(json.dumps(notebook, indent=1))


class LabServer:
    """JupyterLab over a temporary copy of a notebooks folder (a context manager)."""

    def __init__(self, notebooks, rewrites=None, start_timeout=90, disabled_extensions=()):
        """disabled_extensions: JupyterLab extensions (package names) this server's page does not load."""
        self.source = Path(notebooks)
        self.disabled_extensions = tuple(disabled_extensions)
        self.rewrites = rewrites or {}
        self.start_timeout = start_timeout
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="rnn-course-lab-"))
        self.root = self.tmp / "notebooks"
        shutil.copytree(self.source, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for name, pairs in self.rewrites.items():
            rewrite_cells(self.root / name, pairs)
        for name, values in SETTINGS.items():
            path = self.tmp / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        if self.disabled_extensions:  # page_config.json in this server's own config folder
            labconfig = self.tmp / "config" / "labconfig"
            labconfig.mkdir(parents=True, exist_ok=True)
            (labconfig / "page_config.json").write_text(json.dumps({"disabledExtensions": {n: True for n in self.disabled_extensions}}))
        env = dict(os.environ, **nbenv.NB_ENV)
        env.update(JUPYTERLAB_SETTINGS_DIR=str(self.tmp / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"), JUPYTER_CONFIG_DIR=str(self.tmp / "config"))
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
                   "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: open notebooks as tabs of one page
                   "--KernelManager.transport=ipc"]  # kernels talk over files in the runtime folder, not TCP ports:
        # with several kernels starting at once (and other test workers starting theirs), picking free TCP
        # ports races, and a kernel that loses the race never starts
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # containers and CI often run as root
        self.log = open(self.tmp / "server.log", "wb")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root,
                                        start_new_session=True)  # its own process group: its kernels only
        # (cwd: nbgrader's server extension takes the working folder as its course folder and logs an error
        # unless that lies inside the served root, as it does when a student runs `jupyter lab` there)
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                self.api("status")
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log_text()}") from None
                time.sleep(0.3)

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.base}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def url(self):
        """JupyterLab's URL with a fresh workspace (?reset), so no old tab starts an extra kernel."""
        return f"{self.base}/lab?reset&token={self.token}"

    def shutdown_kernels(self):
        """Shut down this server's kernels, all at once (each DELETE waits for its kernel to stop)."""
        from concurrent.futures import ThreadPoolExecutor

        kernels = self.api("kernels")
        with ThreadPoolExecutor(max_workers=max(1, len(kernels))) as pool:
            list(pool.map(lambda k: self.api(f"kernels/{k['id']}", method="DELETE"), kernels))

    def full_log(self):
        self.log.flush()
        return (self.tmp / "server.log").read_text(errors="replace")

    def log_text(self):
        """The server's log from its first error (a line starting "[E"), or its end if it logged none."""
        text = self.full_log()
        first = text.find("\n[E ")
        return text[first:first + 6000] if first >= 0 else text[-4000:]

    def __exit__(self, *exc):
        try:
            if self.process.poll() is None:
                try:
                    self.shutdown_kernels()
                except OSError:
                    pass
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)  # the group this server started, nothing else
                    self.process.wait()
        finally:
            self.log.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
