"""``nnlib bench`` in quick mode: one epoch on 5,000 samples, one thread, results as JSON.

Checks that every field is there and sane, not the speed targets (a shared test machine
cannot promise those; ``nnlib bench`` itself reports whether they are met).
"""

import contextlib
import importlib.util
import io
import json
import math

import pytest

from nnlib import datasets
from nnlib.cli import main

pytestmark = pytest.mark.slow  # a benchmark run in fresh processes
SUBSET = 5000
SPIRAL_EPOCHS = 1001
IMPLEMENTATIONS = ["nnlib", "book_style"]
TORCH_RUNS = ["torch", "torch_fused"]  # torch.optim.Adam as it comes, and fused
TORCH = importlib.util.find_spec("torch") is not None


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """``(report, printed text)`` of one quick run."""
    try:
        datasets.find_fashion_mnist()
    except datasets.DatasetError:
        pytest.skip("Fashion-MNIST is not on this machine (make data)")
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    argv = ["bench", "--epochs", "1", "--subset", str(SUBSET), "--threads", "1"]
    # The full 10,001-epoch spiral runs are the fidelity tests'; a tenth of one is enough here.
    argv += ["--spiral-epochs", str(SPIRAL_EPOCHS)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main([*argv, "--json", str(path)]) == 0
    return json.loads(path.read_text()), printed.getvalue()


@pytest.fixture(scope="module")
def bench(quick_run):
    return quick_run[0]


@pytest.fixture(scope="module")
def run(bench):
    (single,) = bench["runs"]
    return single


def test_setting_is_recorded(bench):
    setting = bench["benchmark"]
    assert setting["layers"] == [784, 128, 128, 10]
    assert setting["batch_size"] == 128
    assert (setting["epochs"], setting["train_samples"], setting["subset"]) == (1, SUBSET, SUBSET)
    assert setting["test_samples"] == 10_000
    assert bench["machine"]["cpus"] >= 1


@pytest.mark.parametrize("key", IMPLEMENTATIONS + TORCH_RUNS)
def test_each_implementation_has_sane_fields(run, key):
    if key in TORCH_RUNS and not TORCH:
        assert key not in run and f"nnlib_over_{key}" not in run["ratios"]
        return
    record = run[key]
    times = record["seconds_per_epoch"]
    assert 0 < times["min"] <= times["median"] <= times["max"]
    assert len(record["epoch_seconds"]) == len(record["epoch_cpu_seconds"]) == 1
    assert 0.5 < record["test_accuracy"] <= 1
    assert record["peak_rss_mb"] > 0
    assert record["cpu_per_wall"] > 0


def test_same_weights_and_order_give_the_same_accuracy(run):
    accuracies = {run[key]["test_accuracy"] for key in IMPLEMENTATIONS}
    assert len(accuracies) == 1  # nnlib and the book's code compute the same thing
    for key in TORCH_RUNS if TORCH else []:  # the same network, up to float rounding
        assert run[key]["test_accuracy"] == pytest.approx(run["nnlib"]["test_accuracy"], abs=0.01)


def test_lower_bound_adds_up(run):
    bound = run["lower_bound"]
    products = bound["products"]
    assert len(products) == 8  # 3 forward, 3 dweights, 2 dinputs (not the first layer's)
    assert math.isclose(bound["seconds_per_epoch"], sum(p["seconds_per_epoch"] for p in products))
    assert math.isclose(bound["gflop_per_epoch"], sum(p["gflop_per_epoch"] for p in products))
    # 2 * N * (784*128 + 128*128 + 128*10) forward, as much for dweights, + dinputs of 2 and 3.
    flop = 2 * SUBSET * (2 * (784 * 128 + 128 * 128 + 128 * 10) + 128 * 128 + 128 * 10)
    assert math.isclose(bound["gflop_per_epoch"], flop / 1e9)
    assert bound["seconds_per_epoch"] > 0 and bound["gflop_per_second"] > 0


def test_ratios_are_the_median_times_divided(run):
    nnlib = run["nnlib"]["seconds_per_epoch"]["median"]
    ratios = run["ratios"]
    expected = {"nnlib_over_lower_bound": nnlib / run["lower_bound"]["seconds_per_epoch"]}
    spiral = run["spiral"]
    expected["spiral_nnlib_over_book_style"] = (
        spiral["nnlib"]["ms_per_epoch"] / spiral["book_style"]["ms_per_epoch"]
    )
    for key in TORCH_RUNS + ["book_style"]:
        if key in run:
            expected[f"nnlib_over_{key}"] = nnlib / run[key]["seconds_per_epoch"]["median"]
    assert ratios.keys() == expected.keys()
    for key, value in expected.items():
        assert math.isclose(ratios[key], value)


def test_spiral_and_targets(run):
    ours, book = run["spiral"]["nnlib"], run["spiral"]["book_style"]
    assert ours["epochs"] == book["epochs"] == SPIRAL_EPOCHS
    assert ours["ms_per_epoch"] > 0 and book["ms_per_epoch"] > 0
    assert 0.5 < ours["accuracy"] <= 1 and 0 < ours["loss"] < 1
    # nnlib and the book-style reference, through the same loop, end on the same numbers.
    assert (ours["accuracy"], ours["loss"]) == (book["accuracy"], book["loss"])
    names = [check["target"] for check in run["targets"]]
    # The accuracy target is for the full recipe only, not for a quick run.
    assert not any("accuracy" in name for name in names)
    assert any("lower bound" in name for name in names)
    assert any("PyTorch" in name for name in names) == TORCH
    assert all(isinstance(check["met"], bool) for check in run["targets"])


def test_report_is_printed(quick_run):
    text = quick_run[1]
    for expected in (
        "nnlib",
        "book-style NumPy",
        "GEMM lower bound",
        "spiral",
        "nnlib / book-style",
    ):
        assert expected in text
    assert ("PyTorch (CPU)" in text) == ("PyTorch, fused Adam" in text) == TORCH


def test_report_without_torch(run):
    """Where PyTorch is not installed, its rows, ratios and target are absent, not broken."""
    from benchmark.report import build_run, format_report

    raw = {"lower_bound": run["lower_bound"], "spiral": run["spiral"]}
    for key in IMPLEMENTATIONS:
        record = run[key]
        raw[key] = {
            "epoch_seconds": record["epoch_seconds"],
            "epoch_cpu_seconds": record["epoch_cpu_seconds"],
            "test_accuracy": record["test_accuracy"],
            "peak_rss_bytes": record["peak_rss_mb"] * 1024 * 1024,
            "peak_rss_scope": record["peak_rss_scope"],
        }
    without = build_run(1, raw, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), full_recipe=False)
    assert not any(key in without for key in TORCH_RUNS)
    assert set(without["ratios"]) == {
        "nnlib_over_lower_bound",
        "nnlib_over_book_style",
        "spiral_nnlib_over_book_style",
    }
    assert not any("PyTorch" in check["target"] for check in without["targets"])
    assert "not installed" in format_report({**_header_fields(), "runs": [without]})


def _header_fields():
    return {
        "benchmark": {
            "layers": [784, 128, 128, 10],
            "optimizer": "Adam",
            "batch_size": 128,
            "dtype": "float32",
            "train_samples": SUBSET,
            "test_samples": 10_000,
            "epochs": 1,
            "seed": 0,
        },
        "machine": {"cpu": "cpu", "cpus": 1, "software": "Python"},
    }
