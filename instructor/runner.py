"""Run one submission top to bottom in a fresh kernel, then let the grader question it.

The kernel runs three kinds of cells: a setup cell capping the output streams, the learner's
cells (errors recorded, execution continuing), and a grading cell in which
:func:`instructor.observer.serve` answers the grader's requests over a socket until the
grader is done (:mod:`instructor.remote`). One deadline covers all of them: each cell may
wait only for the time left, and the kernel is killed when it runs out.

In a sandbox (:mod:`instructor.sandbox`), :func:`run_request` does the same and writes the
:class:`Execution` as JSON; :func:`sandboxed_execution` reads it back on the grader's side,
with the caps the sandbox enforced.
"""

import json
import math
import os
import re
import resource
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

from instructor import sandbox
from instructor.notebook_exercises import read_notebook, write_atomic
from instructor.rubric import MAX_ERROR_CHARS, describe_exception, truncate

KERNEL_NAME = "python3"
# Enough for any honest notebook's prints; a runaway loop's output is dropped in the kernel.
MAX_OUTPUT_CHARS = 1_000_000
KERNEL_VARIABLES = {
    # BLAS threads oversubscribe the machine, all the more with --jobs.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    # Keeps debugpy's start-up warning about frozen modules out of the grader's output.
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# When a learner's cell runs out of time it is interrupted, the cells after it are skipped,
# and what was defined before it is still graded within this many extra seconds (at most
# half the notebook's time limit): one runaway cell must not cost every exercise.
GRADING_GRACE_SECONDS = 30.0
# A sandbox is stopped when still running this long after the notebook's time limit and its
# grading grace: time to start the kernel (nbclient waits up to 60 s) and to stop it.
SANDBOX_MARGIN_SECONDS = 75.0

# Execution.status values. The caps' (memory, processes, CPU time) are a sandbox's.
GRADED = "graded"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel-died"
NOT_GRADED = "not-graded"
MEMORY_LIMIT = "memory-limit"
PROCESS_LIMIT = "process-limit"
CPU_LIMIT = "cpu-limit"
STATUSES = (GRADED, TIMEOUT, KERNEL_DIED, NOT_GRADED, MEMORY_LIMIT, PROCESS_LIMIT, CPU_LIMIT)


@dataclass(frozen=True)
class CellError:
    """An error raised by a learner's cell: its position (counting all cells from 1)."""

    cell: int
    message: str


@dataclass
class Execution:
    """What running a submission produced.

    ``status`` is ``GRADED`` when every cell ran (or was stopped at the time limit) and the
    grading cell ended; otherwise ``reason`` says why the notebook could not be questioned.
    """

    status: str
    reason: str = ""
    errors: list[CellError] = field(default_factory=list)

    def to_json(self) -> dict:
        """Plain JSON data, what a sandbox hands back (see :meth:`from_json`)."""
        errors = [[error.cell, error.message] for error in self.errors]
        return {"status": self.status, "reason": self.reason, "errors": errors}

    @classmethod
    def from_json(cls, data: object) -> "Execution":
        """The Execution of :meth:`to_json`'s data; ValueError when ``data`` is not one.

        The data comes from a sandbox, where the learner's code ran: every field is checked.
        """
        try:
            status, reason = data["status"], data["reason"]
            errors = [
                CellError(int(cell), truncate(str(message), MAX_ERROR_CHARS))
                for cell, message in data["errors"]
            ]
        except (TypeError, KeyError, ValueError) as error:
            raise ValueError(f"not an execution: {describe_exception(error)}") from None
        if status not in STATUSES or not isinstance(reason, str):
            raise ValueError("not an execution: unknown status or wrong types")
        return cls(status, truncate(reason, MAX_ERROR_CHARS), errors)


class _GradingClient(NotebookClient):
    """A notebook client for grading: one deadline for all cells, errors kept, outputs not.

    Outputs are dropped because only errors matter to the grader and those are recorded from
    the execute replies, while outputs can be huge and would pile up in memory.
    """

    def __init__(self, workdir: Path):
        super().__init__(
            nbformat.v4.new_notebook(),
            kernel_name=KERNEL_NAME,
            allow_errors=True,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(workdir)}},
        )
        self.timeout_func = self._time_left
        self.on_cell_error = self._record_error
        self.budget = math.inf
        self.end = math.inf
        self.raised: dict[int, str] = {}

    def output(self, outs, msg, display_id, cell_index):
        return None

    def _time_left(self, cell: nbformat.NotebookNode) -> float:
        # nbclient reads a timeout of 0 as "no timeout": never hand it one.
        return max(self.end - time.monotonic(), 0.001)

    def _record_error(self, cell, cell_index: int, execute_reply: dict) -> None:
        self.raised.setdefault(cell_index, error_message(execute_reply["content"]))

    async def _async_handle_timeout(self, timeout, cell=None):
        # Interrupt first, so that the kernel is free for the grading call that may follow.
        await ensure_async(self.km.interrupt_kernel())
        message = "Cell execution timed out"
        raise CellTimeoutError.error_from_timeout_and_cell(message, timeout, cell)

    def run_cells(self) -> Execution:
        """Run every cell in the started kernel, until the end, a timeout or the kernel's death."""
        self.end = time.monotonic() + self.budget
        count = len(self.nb.cells)
        for index, cell in enumerate(self.nb.cells):
            try:
                self.execute_cell(cell, index)
            except CellTimeoutError:
                if 0 < index < count - 1:
                    return self._grade_after_timeout(index, count)
                return self._timed_out(index, count)
            except DeadKernelError:
                return self._kernel_died(index, count)
        return Execution(GRADED)

    def _kernel_died(self, index: int, count: int) -> Execution:
        """The kernel died in cell ``index``: at the CPU time cap (RLIMIT_CPU), or otherwise."""
        where = _where(index, count)
        code = self._kernel_exit_code()
        cap = resource.getrlimit(resource.RLIMIT_CPU)[0]
        if code is not None and cap != resource.RLIM_INFINITY:
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            # SIGXCPU at the soft limit; SIGKILL at the hard one, for code ignoring SIGXCPU.
            if code == -signal.SIGXCPU or (
                code == -signal.SIGKILL and used.ru_utime + used.ru_stime >= cap
            ):
                return Execution(
                    CPU_LIMIT,
                    f"stopped: the notebook used up its {cap} s of CPU time (the --cpu-time "
                    f"cap) in {where}",
                )
        killed = f" (killed by {signal_name(-code)})" if code and code < 0 else ""
        return Execution(KERNEL_DIED, f"the kernel died in {where}{killed}")

    def _kernel_exit_code(self) -> int | None:
        """The dead kernel's exit status (negative: the signal that killed it), if known."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        try:
            return process.wait(timeout=5) if process is not None else None
        except (subprocess.TimeoutExpired, OSError):
            return None

    def _grade_after_timeout(self, index: int, count: int) -> Execution:
        """Skip the cells after the interrupted cell ``index`` and run the grading call."""
        self.raised[index] = (
            f"stopped: still running when the {self.budget:g} s time limit ran out; "
            f"cells {index + 1} to {count - 2} were not run"
            if index < count - 2
            else f"stopped: still running when the {self.budget:g} s time limit ran out"
        )
        self.end = time.monotonic() + min(GRADING_GRACE_SECONDS, self.budget / 2)
        grading = count - 1
        try:
            self.execute_cell(self.nb.cells[grading], grading)
        except CellTimeoutError:
            return self._timed_out(grading, count)
        except DeadKernelError:
            return self._kernel_died(grading, count)
        return Execution(GRADED)

    def _timed_out(self, index: int, count: int) -> Execution:
        return Execution(
            TIMEOUT,
            f"timed out: the notebook and its grading did not finish within "
            f"{self.budget:g} s; it was still running {_where(index, count)}",
        )


def error_message(reply_content: dict) -> str:
    """The last line of an error's traceback (``ZeroDivisionError: division by zero``)."""
    lines = ANSI_ESCAPE.sub("", "\n".join(reply_content.get("traceback", []))).splitlines()
    lines = [line.strip() for line in lines if line.strip()]
    fallback = f"{reply_content.get('ename', 'Error')}: {reply_content.get('evalue', '')}"
    return truncate(lines[-1] if lines else fallback, MAX_ERROR_CHARS)


def kernel_environment() -> dict[str, str]:
    """The grader's environment (PYTHONPATH, rubric registrations) plus single-threaded BLAS."""
    return {**os.environ, **KERNEL_VARIABLES}


def grading_cells(address: str) -> tuple[str, str]:
    """Source of the setup and the grading cell; the grader listens at the socket ``address``.

    ``__import__`` keeps the learner's namespace free of helper names, and keeps working when
    the learner has rebound names such as ``print``.
    """
    observer = '__import__("instructor.observer", fromlist=["observer"])'
    setup = f"{observer}.limit_output({MAX_OUTPUT_CHARS})"
    grading = f"{observer}.serve(globals(), {address!r})"
    return setup, grading


def run_submission(
    notebook: nbformat.NotebookNode, workdir: Path, address: str, timeout: float
) -> Execution:
    """Run ``notebook`` in a fresh kernel in ``workdir``, then serve the grader at ``address``.

    Raises only if the kernel cannot be started; learner failures are in the result.
    """
    with started_kernel(workdir) as client:
        return run_in(client, notebook, address, timeout)


@contextmanager
def started_kernel(workdir: Path) -> Iterator[_GradingClient]:
    """A grading client with its kernel started and ready in ``workdir``; shut down after."""
    client = _GradingClient(workdir)
    with client.setup_kernel(
        env=kernel_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ):
        yield client


def run_in(
    client: _GradingClient, notebook: nbformat.NotebookNode, address: str, timeout: float
) -> Execution:
    """Run ``notebook`` in the started kernel of ``client`` within ``timeout`` seconds."""
    setup, grading = grading_cells(address)
    # With the setup cell first, a learner cell's index is its 1-based position.
    cells = [nbformat.v4.new_code_cell(setup), *notebook.cells, nbformat.v4.new_code_cell(grading)]
    client.nb, client.budget = nbformat.v4.new_notebook(cells=cells), timeout
    execution = client.run_cells()
    grading_index = len(cells) - 1
    execution.errors = [
        CellError(index, message)
        for index, message in sorted(client.raised.items())
        if 0 < index < grading_index
    ]
    problem = client.raised.get(grading_index)
    if execution.status == GRADED and problem is not None:
        execution.status = NOT_GRADED
        execution.reason = f"the grading cell failed: {problem}"
    return execution


def _where(index: int, count: int) -> str:
    """Name a cell of the run: the learner's by position, or one of the grader's own."""
    if index == 0:
        return "the grader's setup cell"
    if index == count - 1:
        return "the grading call after the last cell"
    return f"cell {index}"


def signal_name(number: int) -> str:
    """``SIGKILL`` for 9."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


# --- in a sandbox ----------------------------------------------------------------------------


def run_request(request: dict, result_path: Path) -> int:
    """Run a sandbox's request and write the :class:`Execution` to ``result_path`` as JSON.

    ``request``: ``notebook`` (its copy, in the kernel's working folder), ``timeout`` and
    ``address`` (the grader's socket); or ``ready``, a FIFO: the kernel is started first, in
    :data:`~instructor.sandbox.GRADING_DIR`'s ``work`` folder, and that request is read from
    the FIFO once the grader has a notebook for it (a warm start, see
    :class:`instructor.sandbox.WarmSandbox`). A failure of the grader's own is written as
    ``{"error": "..."}``.
    """
    try:
        if "ready" in request:
            with started_kernel(Path(sandbox.GRADING_DIR, "work")) as client:
                with open(request["ready"], encoding="utf-8") as fifo:  # waits for the grader
                    request = json.loads(fifo.read())
                execution = run_in(client, *_notebook_request(request))
        else:
            notebook, address, timeout = _notebook_request(request)
            workdir = Path(request["notebook"]).parent
            execution = run_submission(notebook, workdir, address, timeout)
        data = execution.to_json()
    except Exception as error:
        data = {"error": describe_exception(error)}
    write_json(data, result_path)
    return 0


def _notebook_request(request: dict) -> tuple[nbformat.NotebookNode, str, float]:
    """The notebook a request names, the grader's socket and the time limit."""
    notebook_path = Path(request["notebook"])
    notebook = read_notebook(notebook_path.read_bytes(), notebook_path.name)
    return notebook, request["address"], float(request["timeout"])


def write_json(data: object, path: Path) -> None:
    """Write ``data`` to ``path`` as JSON, atomically."""
    write_atomic(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def sandbox_seconds(timeout: float) -> float:
    """How long a sandbox may run for a notebook time limit of ``timeout`` before it is stopped."""
    return timeout + min(GRADING_GRACE_SECONDS, timeout / 2) + SANDBOX_MARGIN_SECONDS


def sandboxed_execution(outcome: sandbox.Outcome, limits: sandbox.Limits) -> Execution:
    """The Execution of a sandboxed run, from its result and the caps it ran into.

    Raises :class:`~instructor.sandbox.SandboxError` when the sandbox did not start or the
    grader failed in it: those are the grader's failures, not the learner's.
    """
    if outcome.stopped == sandbox.STOPPED_PROCESSES:
        return Execution(
            PROCESS_LIMIT,
            f"stopped: the notebook went over {limits.processes} processes and threads at once "
            f"(the --processes cap)",
        )
    if outcome.stopped == sandbox.STOPPED_CPU:
        return Execution(
            CPU_LIMIT,
            f"stopped: the notebook used more than {limits.cpu_seconds:g} s of CPU time "
            f"(the --cpu-time cap)",
        )
    if outcome.stopped == sandbox.STOPPED_WALL:
        return Execution(TIMEOUT, "timed out: the notebook's sandbox did not end in time")
    if not outcome.started:
        problem = outcome.log or f"bubblewrap exited with status {outcome.exit_code}"
        raise sandbox.SandboxError(f"the sandbox did not start: {problem}")
    if isinstance(outcome.result, dict) and "error" in outcome.result:
        raise sandbox.SandboxError(str(outcome.result["error"]))
    try:
        execution = Execution.from_json(outcome.result)
    except ValueError:
        execution = None
    if outcome.oom_kills and (execution is None or execution.status != GRADED):
        return Execution(
            MEMORY_LIMIT,
            f"stopped: the notebook used more than {sandbox.format_size(limits.memory)} of "
            f"memory (the --memory cap)",
            errors=execution.errors if execution is not None else [],
        )
    if execution is None:
        code = outcome.exit_code
        how = (
            f"was killed by {signal_name(code - 128)}"
            if code > 128
            else f"exited with status {code}"
        )
        return Execution(
            KERNEL_DIED,
            f"the notebook's run ended without a result: the grading process in its sandbox "
            f"{how}, which the notebook's code can cause",
        )
    return execution
