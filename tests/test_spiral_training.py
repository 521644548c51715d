"""``nnlib.spiral_training.train_spiral`` is the book's loop: after ``nnfs.init()`` it prints the
lines of ``tests/book_loop.py`` for every run of the book, and its history is what it printed.

The runs are shortened to 1001 epochs. One fresh process (``nnfs.init()`` patches NumPy
globally) calls ``train_spiral`` for every case in turn, so the cases also check that each call
starts from the book's data and weights, as a fresh script does.

    python tests/test_spiral_training.py EPOCHS

runs every case and prints the results as JSON.
"""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nnfs
import numpy as np
import pytest
from nnfs.datasets import spiral_data

import nnlib.book
from nnlib.benchmark import book_style
from nnlib.book import Optimizer_Adam, Optimizer_SGD
from nnlib.spiral_training import train_spiral
from tests.book_loop import RUNS

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
EPOCHS = 1001
PRINT_EVERY = 100
VALIDATE_EVERY = 100
# The variants, each a different way to call train_spiral on some of the book's runs.
REFERENCE_RUNS = ("sgd_momentum_0.9", "adam_l1_l2", "adam_dropout")
VALIDATION_RUNS = ("adam", "adam_l2", "adam_dropout")
LINE = re.compile(
    r"epoch: (?P<epoch>\d+), acc: (?P<accuracy>\S+), loss: (?P<loss>[^ ,]+)"
    r"(?: \(data_loss: (?P<data_loss>\S+), reg_loss: (?P<regularization_loss>[^)]+)\))?"
    r", lr: (?P<learning_rate>\S+)"
)


def cases():
    """(variant, run) for every call the child process makes."""
    return (
        [("nnlib", run) for run in RUNS]
        + [("reference", run) for run in REFERENCE_RUNS]
        + [("validation", run) for run in VALIDATION_RUNS]
    )


def child_main(epochs):
    """In a fresh process: nnfs.init(), then train_spiral for every case; print JSON."""
    nnfs.init()
    # Drawn before any training call: train_spiral must reseed, or the runs would differ.
    X_val, y_val = spiral_data(samples=50, classes=3)
    results = {}
    for variant, run in cases():
        optimizer_name, optimizer_args, regularization, dropout_rate = RUNS[run]
        layers = book_style if variant == "reference" else nnlib.book
        options = {"validation": (X_val, y_val), "validate_every": VALIDATE_EVERY}
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            result = train_spiral(
                getattr(layers, optimizer_name)(**optimizer_args),
                epochs=epochs,
                print_every=PRINT_EVERY,
                regularization=regularization,
                dropout_rate=dropout_rate,
                layers=layers,
                **(options if variant == "validation" else {}),
            )
        results[f"{variant} {run}"] = {
            "lines": log.getvalue().splitlines(),
            "history": result.history,
            "validation": result.validation,
            "layer_module": type(result.dense1).__module__,
        }
    print(json.dumps(results))


def run_python(*arguments):
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def outputs():
    """The child's results by case, and book_loop.py's lines by run, computed in parallel."""
    book_loop = str(HERE.with_name("book_loop.py"))
    jobs = [(str(HERE), str(EPOCHS))] + [(book_loop, "nnlib", run, str(EPOCHS)) for run in RUNS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        stdouts = list(pool.map(lambda job: run_python(*job), jobs))
    book_lines = {run: stdout.splitlines() for run, stdout in zip(RUNS, stdouts[1:], strict=True)}
    return json.loads(stdouts[0]), book_lines


@pytest.mark.parametrize("run", sorted(RUNS))
def test_prints_the_book_loops_lines(outputs, run):
    results, book_lines = outputs
    assert len(book_lines[run]) == (EPOCHS - 1) // PRINT_EVERY + 1
    assert results[f"nnlib {run}"]["lines"] == book_lines[run]


@pytest.mark.parametrize("run", sorted(RUNS))
def test_history_is_what_was_printed(outputs, run):
    result = outputs[0][f"nnlib {run}"]
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


@pytest.mark.parametrize("run", REFERENCE_RUNS)
def test_layers_come_from_the_namespace_given(outputs, run):
    results = outputs[0]
    assert results[f"reference {run}"]["layer_module"] == "nnlib.benchmark.book_style"
    assert results[f"nnlib {run}"]["layer_module"].startswith("nnlib.")
    assert results[f"reference {run}"]["lines"] == results[f"nnlib {run}"]["lines"]


@pytest.mark.parametrize("run", VALIDATION_RUNS)
def test_validation_leaves_the_training_run_alone(outputs, run):
    plain, validated = outputs[0][f"nnlib {run}"], outputs[0][f"validation {run}"]
    assert validated["lines"] == plain["lines"]
    assert validated["history"] == plain["history"]
    scores = validated["validation"]
    assert scores["epoch"] == list(range(0, EPOCHS, VALIDATE_EVERY))
    assert {len(values) for values in scores.values()} == {len(scores["epoch"])}
    assert all(0 <= accuracy <= 1 for accuracy in scores["val_accuracy"])
    if not RUNS[run][3]:  # without dropout, scoring the training data is the training pass
        accuracy = [plain["history"]["accuracy"][epoch] for epoch in scores["epoch"]]
        data_loss = [plain["history"]["data_loss"][epoch] for epoch in scores["epoch"]]
        assert scores["train_accuracy"] == accuracy
        assert scores["train_loss"] == data_loss


def test_a_silent_run_prints_nothing_and_predict_agrees_with_evaluate(capsys):
    run = train_spiral(Optimizer_Adam(learning_rate=0.05), epochs=20, print_every=None)
    assert capsys.readouterr().out == ""
    predictions = run.predict(run.X)
    assert predictions.shape == run.y.shape
    accuracy, _ = run.evaluate(run.X, run.y)
    assert accuracy == np.mean(predictions == run.y)


def test_seed_none_leaves_numpys_generator_alone():
    runs = []
    for seed in (5, 5, 0):
        np.random.seed(seed)
        runs.append(train_spiral(Optimizer_SGD(), epochs=3, print_every=None, seed=None))
    first, again, other = (run.history["loss"] for run in runs)
    assert first == again != other


if __name__ == "__main__":
    child_main(int(sys.argv[1]))
