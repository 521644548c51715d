"""Run one submission top to bottom in a fresh kernel, then grade it inside that kernel.

The kernel runs three kinds of cells: a setup cell capping the output streams, the learner's
cells (errors recorded, execution continuing), and a grading cell calling
:func:`instructor.rubric.grade_to_file`. One deadline covers all of them: each cell may wait
only for the time left, and the kernel is killed when it runs out.
"""

import json
import math
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

from instructor.rubric import MAX_ERROR_CHARS, truncate

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

# Execution.status values.
GRADED = "graded"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel-died"
NOT_GRADED = "not-graded"


@dataclass(frozen=True)
class CellError:
    """An error raised by a learner's cell: its position (counting all cells from 1)."""

    cell: int
    message: str


@dataclass
class Execution:
    """What running a submission produced.

    ``grades`` holds the rows of :func:`~instructor.rubric.grade_namespace` when
    ``status`` is ``GRADED``; otherwise ``reason`` says why there are none.
    """

    status: str
    reason: str = ""
    errors: list[CellError] = field(default_factory=list)
    grades: list[dict] = field(default_factory=list)


class _GradingClient(NotebookClient):
    """A notebook client for grading: one deadline for all cells, errors kept, outputs not.

    Outputs are dropped because only errors matter to the grader and those are recorded from
    the execute replies, while outputs can be huge and would pile up in memory.
    """

    def __init__(self, cells: list[nbformat.NotebookNode], workdir: Path, timeout: float):
        super().__init__(
            nbformat.v4.new_notebook(cells=cells),
            kernel_name=KERNEL_NAME,
            allow_errors=True,
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(workdir)}},
        )
        self.timeout_func = self._time_left
        self.on_cell_error = self._record_error
        self.budget = timeout
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
                return Execution(KERNEL_DIED, f"the kernel died in {_where(index, count)}")
        return Execution(GRADED)

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
            return Execution(KERNEL_DIED, f"the kernel died in {_where(grading, count)}")
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


def grading_cells(chapter: str, result_path: Path) -> tuple[str, str]:
    """Source of the setup and the grading cell.

    ``__import__`` keeps the learner's namespace free of helper names, and keeps working when
    the learner has rebound names such as ``json`` or ``print``.
    """
    rubric = '__import__("instructor.rubric", fromlist=["rubric"])'
    setup = f"{rubric}.limit_output({MAX_OUTPUT_CHARS})"
    grading = f"{rubric}.grade_to_file({chapter!r}, globals(), {str(result_path)!r})"
    return setup, grading


def run_submission(
    notebook: nbformat.NotebookNode, chapter: str, workdir: Path, result_path: Path, timeout: float
) -> Execution:
    """Run ``notebook`` in a fresh kernel in ``workdir`` and grade it as ``chapter``.

    ``result_path`` must be outside ``workdir``, out of reach of the learner's file handling.
    Raises only if the kernel cannot be started; learner failures are in the result.
    """
    setup, grading = grading_cells(chapter, result_path)
    # With the setup cell first, a learner cell's index is its 1-based position.
    cells = [nbformat.v4.new_code_cell(setup), *notebook.cells, nbformat.v4.new_code_cell(grading)]
    client = _GradingClient(cells, workdir, timeout)
    with client.setup_kernel(
        env=kernel_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ):
        execution = client.run_cells()
    grading_index = len(cells) - 1
    execution.errors = [
        CellError(index, message)
        for index, message in sorted(client.raised.items())
        if 0 < index < grading_index
    ]
    if execution.status == GRADED:
        _collect_grades(execution, result_path, client.raised.get(grading_index))
    return execution


def _where(index: int, count: int) -> str:
    """Name a cell of the run: the learner's by position, or one of the grader's own."""
    if index == 0:
        return "the grader's setup cell"
    if index == count - 1:
        return "the grading call after the last cell"
    return f"cell {index}"


def _collect_grades(execution: Execution, result_path: Path, grading_error: str | None) -> None:
    """Read the grading cell's results into ``execution``, or say why there are none."""
    try:
        execution.grades = json.loads(result_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        execution.status = NOT_GRADED
        execution.reason = f"the grading call failed: {grading_error or error}"
