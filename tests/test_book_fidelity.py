"""Book fidelity: with ``nnfs.init()``, every spiral run of the book's chapters 10-15 prints the
same log, line for line, with ``nnlib.book``'s classes as with the plain book-style reference
(``reference/book_style.py``), both through the chapters' loop (``nnlib.spiral_training``).
The Adam run ends on the line the book's own code prints.

Each implementation trains in a fresh process, because ``nnfs.init()`` patches NumPy
globally; the two run side by side. These are the test suite's only 10,001-epoch runs.
"""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tests.book_runs import PRINT_EVERY, RUNS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
EPOCHS = 10_001
# The book's own code prints this for the optimizers chapter's Adam run on this machine kind.
BOOK_ADAM_LAST_LINE = "epoch: 10000, acc: 0.967, loss: 0.074, lr: 0.04975126853296942"
LINE = re.compile(
    r"epoch: (?P<epoch>\d+), acc: (?P<accuracy>\S+), loss: (?P<loss>[^ ,]+)"
    r"(?: \(data_loss: (?P<data_loss>\S+), reg_loss: (?P<regularization_loss>[^)]+)\))?"
    r", lr: (?P<learning_rate>\S+)"
)


def train_all(implementation):
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "tests.book_runs", implementation, str(EPOCHS)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def results():
    """{implementation: {run: {"lines", "history", "layer_module"}}}."""
    implementations = ("nnlib", "reference")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(implementations, pool.map(train_all, implementations), strict=True))


def test_adam_run_prints_the_books_last_line(results):
    assert results["nnlib"]["adam"]["lines"][-1] == BOOK_ADAM_LAST_LINE


@pytest.mark.parametrize("run", sorted(RUNS))
def test_nnlib_log_equals_the_book_style_reference(results, run):
    ours, theirs = results["nnlib"][run]["lines"], results["reference"][run]["lines"]
    assert len(ours) == (EPOCHS - 1) // PRINT_EVERY + 1
    for line_number, (our_line, their_line) in enumerate(zip(ours, theirs, strict=True)):
        assert our_line == their_line, f"{run}: first difference at line {line_number}"


def test_each_implementation_trains_its_own_classes(results):
    assert {run["layer_module"] for run in results["reference"].values()} == {
        "reference.book_style"
    }
    assert {run["layer_module"] for run in results["nnlib"].values()} == {"nnlib.layers"}


@pytest.mark.parametrize("run", sorted(RUNS))
def test_history_is_what_was_printed(results, run):
    result = results["nnlib"][run]
    history = result["history"]
    assert {len(values) for values in history.values()} == {EPOCHS}
    for line in result["lines"]:
        printed = LINE.fullmatch(line).groupdict()
        epoch = int(printed.pop("epoch"))
        assert repr(history["learning_rate"][epoch]) == printed.pop("learning_rate")
        for key, text in printed.items():
            if text is not None:
                assert f"{history[key][epoch]:.3f}" == text, (key, epoch)
    total = np.add(history["data_loss"], history["regularization_loss"])
    assert np.allclose(history["loss"], total, rtol=1e-6)
