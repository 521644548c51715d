"""JupyterLab in a real browser, as a learner meets it.

nbval checks what a notebook prints, not whether a widget renders or a check's verdict shows
up where the learner reads it. This test serves a copy of the chapters and the exercises with
JupyterLab and drives Debian's chromium with Playwright: it runs chapter 4, moves one of its
sliders and sees the figure redrawn, then runs an untouched exercise notebook and reads the
self-check verdicts. Playwright cannot download its own browser offline, so it launches the
system's chromium (`make test` installs it with apt when it is missing and it can); without
chromium the test is skipped and says how to get it.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
# What the learner opens: the chapters link to ../exercises/, so both folders are served.
SERVED_FOLDERS = ("notebooks", "exercises")
CHAPTER = "notebooks/04_momentum.ipynb"
EXERCISE = "exercises/01_dense_layer.ipynb"
# An untouched exercise: every check says which method still raises NotImplementedError.
UNTOUCHED_VERDICTS = (
    "check_dense_forward: not implemented yet: Layer_Dense.__init__ still raises "
    "NotImplementedError",
    "check_relu_forward: not implemented yet: Activation_ReLU.forward still raises "
    "NotImplementedError",
    "check_softmax_forward: not implemented yet: Activation_Softmax.forward still raises "
    "NotImplementedError",
)
# The status bar once the notebook's kernel (the kernelspec `make lab` installs) is ready.
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"
CHROMIUM = shutil.which("chromium")
SERVER_START_SECONDS = 60
KERNEL_START_SECONDS = 60
RUN_ALL_SECONDS = 180
REDRAW_SECONDS = 30
# Every process the server starts (kernels too) inherits this variable: none may outlive it.
MARKER_VARIABLE = "NNLIB_BROWSER_TEST"

# The open notebook's parts (a hidden panel may stay in the page after another tab opens).
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# Every code cell ran ("[3]:"), or did not after an error stopped the run ("[ ]:"), none is
# still queued or running ("[*]:"), and the kernel is idle again.
RUN_FINISHED = f"""() => {{
    const prompts = [...document.querySelectorAll('{NOTEBOOK} .jp-CodeCell .jp-InputArea-prompt')]
        .map(prompt => prompt.textContent);
    const status = document.querySelector('{NOTEBOOK} .jp-Notebook-ExecutionIndicator');
    return prompts.some(prompt => /[0-9]/.test(prompt))
        && prompts.every(prompt => !prompt.includes('*'))
        && status !== null && status.dataset.status === 'idle';
}}"""
FIGURES = ".jupyter-widgets img"
# The figures in the widget's output were drawn again, differently.
REDRAWN = f"""([cell, before]) => {{
    const images = [...cell.querySelectorAll('{FIGURES}')];
    return images.length > 0 && images.every(image => image.src)
        && images.map(image => image.src).join() !== before;
}}"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Debian's chromium is not installed: `apt-get install chromium` "
        "(`make test` does it when run as root)",
    ),
]


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it answers, its token, and a folder for screenshots."""

    url: str
    token: str = field(repr=False)
    shots: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def jupyter_environment(base: Path, marker: str) -> dict[str, str]:
    """Our environment, with Jupyter's and IPython's per-user folders in ``base``.

    A learner's own kernels, settings or startup files must not change what the test sees,
    and two servers (pytest-xdist workers) must not share a workspace.
    """
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    private = {name: str(base / folder) for name, folder in folders.items()}
    # No news or update check (the machine may be offline) and no toast over the notebook.
    notification = base / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Figures drawn by the inline backend, as in a learner's JupyterLab.
    inherited = {name: value for name, value in os.environ.items() if name != "MPLBACKEND"}
    threads = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return inherited | private | threads | {MARKER_VARIABLE: marker}


def wait_until_answering(lab: Lab, server: subprocess.Popen, log: Path) -> None:
    request = urllib.request.Request(
        f"{lab.url}/api/status", headers={"Authorization": f"token {lab.token}"}
    )
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(request, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"JupyterLab did not answer in {SERVER_START_SECONDS} s:\n{log.read_text()}")


def marked_processes(marker: str) -> list[int]:
    """The processes whose environment holds our marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if f"{MARKER_VARIABLE}={marker}".encode() in environment.split(b"\0"):
            found.append(int(entry.name))
    return found


def stop(lab: Lab, server: subprocess.Popen, marker: str) -> None:
    """Shut the server down the way its own menu does (kernels first), then make sure."""
    request = urllib.request.Request(
        f"{lab.url}/api/shutdown", method="POST", headers={"Authorization": f"token {lab.token}"}
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
        server.wait(timeout=20)
    except (urllib.error.URLError, ConnectionError, subprocess.TimeoutExpired):
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for pid in marked_processes(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab from this venv on a free port, serving a copy of the course."""
    base = tmp_path_factory.mktemp("jupyterlab")
    course = base / "course"
    for folder in SERVED_FOLDERS:
        shutil.copytree(ROOT / folder, course / folder)
    (base / "screenshots").mkdir()
    port = free_port()
    lab = Lab(f"http://127.0.0.1:{port}", secrets.token_hex(24), base / "screenshots")
    marker = secrets.token_hex(8)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={course}",
        f"--IdentityProvider.token={lab.token}",
    ]
    if os.geteuid() == 0:  # JupyterLab refuses to run as root unless told
        command.append("--allow-root")
    log = base / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            env=jupyter_environment(base, marker),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_answering(lab, server, log)
        yield lab
    finally:
        stop(lab, server, marker)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Chromium's sandbox cannot start as root (containers, CI machines).
    arguments = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=arguments
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def failing_as(page: Page, lab: Lab, what: str) -> Iterator[None]:
    """A time-out or failed expectation inside becomes "``what``", with a screenshot."""
    try:
        yield
    except (PlaywrightTimeout, AssertionError) as error:
        path = lab.shots / f"{secrets.token_hex(4)}.png"
        page.screenshot(path=path)
        pytest.fail(f"{what} (screenshot: {path})\n{error}")


def open_notebook(page: Page, lab: Lab, notebook: str) -> None:
    """Open ``notebook`` in a workspace of its own, and wait until its kernel is idle.

    A cell run before the kernel is there opens the "Select Kernel" dialog instead.
    """
    workspace = secrets.token_hex(4)  # no tab of another test comes back
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{notebook}?token={lab.token}")
    with failing_as(page, lab, f"{notebook}: no idle kernel in {KERNEL_START_SECONDS} s"):
        expect(page.locator(".jp-StatusBar-Widget")).to_contain_text(
            KERNEL_IDLE, timeout=KERNEL_START_SECONDS * 1000
        )


def run_all_cells(page: Page, lab: Lab, notebook: str) -> list[str]:
    """Run > Run All Cells, wait until the run is over; the text of every output."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    with failing_as(page, lab, f"{notebook} did not finish running in {RUN_ALL_SECONDS} s"):
        page.wait_for_function(RUN_FINISHED, timeout=RUN_ALL_SECONDS * 1000, polling=250)
    # textContent: cells scrolled out of view are in the page but not rendered.
    return page.locator(f"{NOTEBOOK} .jp-OutputArea-output").evaluate_all(
        "outputs => outputs.map(output => output.textContent)"
    )


def test_chapter_4_slider_redraws_its_figure(lab: Lab, page: Page):
    open_notebook(page, lab, CHAPTER)
    printed = run_all_cells(page, lab, CHAPTER)
    errors = [text for text in printed if "Traceback (most recent call last)" in text]
    assert errors == [], f"{CHAPTER} raised:\n{errors[0][-2000:]}"

    cell = page.locator(f"{NOTEBOOK} .jp-CodeCell", has=page.locator(".widget-slider")).first
    no_widget = (
        f"no ipywidgets slider with a figure in {CHAPTER} (JupyterLab draws widgets with "
        "jupyterlab_widgets, which comes with the `jupyter` package: `make lab`)"
    )
    with failing_as(page, lab, no_widget):
        cell.wait_for(state="attached", timeout=REDRAW_SECONDS * 1000)
        cell.scroll_into_view_if_needed()
        cell.locator(FIGURES).first.wait_for(timeout=REDRAW_SECONDS * 1000)
    before = cell.locator(FIGURES).evaluate_all("images => images.map(image => image.src).join()")
    slider = cell.locator(".widget-slider").first
    readout = slider.locator(".widget-readout")
    value = readout.inner_text()

    # One step with the keyboard on the slider's handle; one step back if it was at the end.
    handle = slider.locator(".noUi-handle")
    handle.press("ArrowRight")
    try:
        expect(readout).not_to_have_text(value, timeout=2_000)
    except AssertionError:
        handle.press("ArrowLeft")
    with failing_as(page, lab, f"the slider at {value} did not move"):
        expect(readout).not_to_have_text(value)
    moved = readout.inner_text()

    with failing_as(page, lab, f"the slider moved from {value} to {moved}, the figure stayed"):
        page.wait_for_function(
            REDRAWN,
            arg=[cell.element_handle(), before],
            timeout=REDRAW_SECONDS * 1000,
            polling=100,
        )


def test_untouched_exercise_shows_its_check_verdicts(lab: Lab, page: Page):
    open_notebook(page, lab, EXERCISE)
    printed = "\n".join(run_all_cells(page, lab, EXERCISE))
    missing = [verdict for verdict in UNTOUCHED_VERDICTS if verdict not in printed]
    assert missing == [], f"{EXERCISE} does not show {missing}; its outputs:\n{printed[:3000]}"
