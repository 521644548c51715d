"""Book fidelity: with ``nnfs.init()``, the book's loop on ``nnlib.book`` classes prints the
same log, line for line, as the same loop on the book-style reference classes.

Each run is a fresh process because ``nnfs.init()`` patches NumPy globally.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.book_loop import RUNS

LOOP = Path(__file__).with_name("book_loop.py")
ROOT = LOOP.parent.parent
# The book's own code prints this for the optimizers chapter's Adam run on this machine kind.
BOOK_ADAM_LAST_LINE = "epoch: 10000, acc: 0.967, loss: 0.074, lr: 0.04975126853296942"


def run_loop(implementation, run):
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, str(LOOP), implementation, run],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def logs():
    jobs = [(implementation, run) for run in RUNS for implementation in ("nnlib", "reference")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = pool.map(lambda job: run_loop(*job), jobs)
    return dict(zip(jobs, outputs, strict=True))


def test_adam_run_prints_the_books_last_line(logs):
    assert logs["nnlib", "adam"][-1] == BOOK_ADAM_LAST_LINE


@pytest.mark.parametrize("run", sorted(RUNS))
def test_nnlib_log_equals_the_book_style_reference(logs, run):
    nnlib_log, reference_log = logs["nnlib", run], logs["reference", run]
    assert len(nnlib_log) == 101
    for line_number, (ours, theirs) in enumerate(zip(nnlib_log, reference_log, strict=True)):
        assert ours == theirs, f"{run}: first difference at line {line_number}"
