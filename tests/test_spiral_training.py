"""``nnlib.spiral_training.train_spiral``'s options: scoring on validation data leaves the
training run alone, a silent run prints nothing, ``seed=None`` leaves NumPy's generator alone.

That it prints the book's log, and that its history is what it printed, is
``tests/test_book_fidelity.py``'s business (the full runs). Here the runs are shortened to 1001
epochs, in a fresh process (``nnfs.init()`` patches NumPy globally).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import nnfs
import numpy as np
import pytest
from nnfs.datasets import spiral_data

from nnlib.book import Optimizer_Adam, Optimizer_SGD
from nnlib.spiral_training import train_spiral
from tests.book_runs import RUNS, train

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
EPOCHS = 1001
VALIDATE_EVERY = 100
VALIDATION_RUNS = ("adam", "adam_l2", "adam_dropout")


def child_main():
    """In a fresh process: nnfs.init(), then each validation run without and with scoring."""
    nnfs.init()
    # Drawn before any training call: train_spiral must reseed, or the runs would differ.
    validation = spiral_data(samples=50, classes=3)
    results = {}
    for run in VALIDATION_RUNS:
        for variant, options in (
            ("plain", {}),
            ("validated", {"validation": validation, "validate_every": VALIDATE_EVERY}),
        ):
            lines, result = train("nnlib", run, EPOCHS, **options)
            results[f"{variant} {run}"] = {
                "lines": lines,
                "history": result.history,
                "validation": result.validation,
            }
    print(json.dumps(results))


@pytest.fixture(scope="module")
def outputs():
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    environment["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, str(HERE)], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("run", VALIDATION_RUNS)
def test_validation_leaves_the_training_run_alone(outputs, run):
    plain, validated = outputs[f"plain {run}"], outputs[f"validated {run}"]
    assert len(plain["lines"]) == (EPOCHS - 1) // 100 + 1
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
    child_main()
