"""``nnlib.spiral_training.train_spiral``'s options: scoring on validation data leaves the
training run alone, a silent run prints nothing, ``seed=None`` leaves NumPy's generator alone,
mini-batches; and ``spiral_curves``, the same loop as an experiment over seeds.

That it prints the book's log, and that its history is what it printed, is
``tests/test_book_fidelity.py``'s business (the full runs). Here the runs are shortened to 1001
epochs, in a fresh process (``nnfs.init()`` patches NumPy globally).
"""

import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import nnfs
import numpy as np
import pytest
from nnfs.datasets import spiral_data

from nnlib.book import Optimizer_Adam, Optimizer_SGD
from nnlib.experiments import run_over_seeds
from nnlib.spiral_training import spiral_curves, train_spiral
from tests.book_runs import RUNS, train

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


@pytest.mark.slow
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


def test_spiral_curves_logs_the_runs_history_every_few_epochs():
    curves = spiral_curves(4, lambda: Optimizer_Adam(learning_rate=0.05), epochs=26, log_every=10)
    run = train_spiral(Optimizer_Adam(learning_rate=0.05), epochs=26, print_every=None, seed=4)
    assert curves["epoch"] == [0, 10, 20, 25]  # and the last epoch
    assert curves["loss"] == [run.history["loss"][epoch] for epoch in (0, 10, 20, 25)]
    assert curves["acc"] == [run.history["accuracy"][epoch] for epoch in (0, 10, 20, 25)]
    assert curves["lr"] == [0.05] * 4
    other_seed = spiral_curves(
        5, lambda: Optimizer_Adam(learning_rate=0.05), epochs=26, log_every=10
    )
    assert other_seed["loss"][-1] != curves["loss"][-1]


def test_spiral_curves_takes_the_network_options():
    options = dict(epochs=5, log_every=2, hidden=8, samples=10, classes=2)
    curves = spiral_curves(0, Optimizer_SGD(), dropout_rate=0.5, **options)
    run = train_spiral(Optimizer_SGD(), print_every=None, dropout_rate=0.5, hidden=8, samples=10,
                       classes=2, epochs=5)  # fmt: skip
    assert curves["loss"] == [run.history["loss"][epoch] for epoch in (0, 2, 4)]
    assert run.dense1.weights.shape == (2, 8) and len(run.X) == 20


def test_spiral_curves_wants_a_fresh_optimizer_for_every_seed():
    train = partial(spiral_curves, epochs=3, log_every=1, samples=10)
    with pytest.raises(ValueError, match="already made 3 updates; pass a factory"):
        run_over_seeds({"one object": {"optimizer": Optimizer_SGD()}}, train, seeds=[0, 1])
    runs = run_over_seeds({"factory": {"optimizer": Optimizer_SGD}}, train, seeds=[0, 1])
    assert [row["loss"] for row in runs.final()] == [
        spiral_curves(seed, Optimizer_SGD(), epochs=3, log_every=1, samples=10)["loss"][-1]
        for seed in (0, 1)
    ]
    with pytest.raises(TypeError, match="zero-argument factory"):
        spiral_curves(0, "sgd", epochs=3, log_every=1)
    with pytest.raises(TypeError, match="must return an optimizer"):
        spiral_curves(0, lambda: 1.0, epochs=3, log_every=1)
    with pytest.raises(ValueError, match="log_every"):
        spiral_curves(0, Optimizer_SGD, epochs=3, log_every=0)


class FrozenOptimizer:
    """Counts the updates and changes nothing: every batch sees the starting weights."""

    current_learning_rate = 0.0

    def __init__(self):
        self.iterations = 0

    def pre_update_params(self):
        pass

    def update_params(self, layer):
        pass

    def post_update_params(self):
        self.iterations += 1


def test_mini_batches_make_one_update_per_batch_and_average_the_epoch():
    # 300 samples in batches of 128, 128 and 44: with the weights frozen, the epoch's means
    # weighted by batch size are the full-data values (an unweighted mean would not be).
    full = train_spiral(FrozenOptimizer(), epochs=2, print_every=None, hidden=8)
    batched = train_spiral(FrozenOptimizer(), epochs=2, print_every=None, hidden=8, batch_size=128)
    assert batched.optimizer.iterations == 2 * 3
    assert full.optimizer.iterations == 2
    assert 0.2 < full.history["accuracy"][0] < 0.8
    assert batched.history["accuracy"] == pytest.approx(full.history["accuracy"], rel=1e-12)
    assert batched.history["loss"] == pytest.approx(full.history["loss"], rel=1e-12)


def test_mini_batch_runs_are_noisy_but_reproducible():
    def run(seed, batch_size):
        return train_spiral(
            Optimizer_SGD(learning_rate=0.5),
            epochs=5,
            print_every=None,
            batch_size=batch_size,
            seed=seed,
        ).history["loss"]

    assert run(0, 32) == run(0, 32)
    assert run(0, 32) != run(0, 300)  # one shuffled batch of everything: the same descent,
    assert run(0, 300) == pytest.approx(run(0, None), rel=1e-6)  # summed in another order
    with pytest.raises(ValueError, match="batch_size"):
        run(0, 0)


if __name__ == "__main__":
    child_main()
