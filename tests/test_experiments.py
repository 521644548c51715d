"""``nnlib.experiments``: configurations over seeds, a tidy table, its spread and its plot.

The train functions here are made up so that every number is known in advance; the summary is
checked against a plain-Python mean and standard deviation computed here.
"""

import math

import matplotlib
import numpy as np
import pytest

from nnlib.experiments import Runs, format_number, run_over_seeds

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def decaying(seed, rate, steps=4):
    """Curves whose every value is known: loss = rate ** step + seed / 100."""
    return {
        "epoch": [10 * step for step in range(steps)],
        "loss": [rate**step + seed / 100 for step in range(steps)],
        "acc": np.linspace(0.0, 0.5 + seed / 10, steps),
    }


CONFIGS = {"slow": {"rate": 0.9}, "fast": {"rate": 0.5}}


@pytest.fixture
def runs():
    return run_over_seeds(CONFIGS, decaying, seeds=[3, 1, 4])


def test_rows_are_tidy_one_per_config_seed_and_step(runs):
    assert len(runs.rows) == 2 * 3 * 4
    assert runs.rows[0] == {"config": "slow", "seed": 3, "epoch": 0, "loss": 1.03, "acc": 0.0}
    assert runs.rows[5] == {
        "config": "slow",
        "seed": 1,
        "epoch": 10,
        "loss": 0.9 + 0.01,
        "acc": (0.5 + 0.1) / 3,
    }
    assert [row["config"] for row in runs.rows[::4]] == ["slow"] * 3 + ["fast"] * 3
    assert [row["seed"] for row in runs.rows[::4]] == [3, 1, 4, 3, 1, 4]
    # NumPy's scalars come out as Python numbers: they print as 0.5, not np.float64(0.5).
    assert all(type(row["acc"]) is float and type(row["epoch"]) is int for row in runs.rows)
    assert runs.configs == ["slow", "fast"]
    assert runs.seeds == (3, 1, 4)
    assert runs.metrics == ("epoch", "loss", "acc")
    assert runs.kind == "curves"


def test_final_keeps_each_runs_last_step(runs):
    final = runs.final()
    assert [(row["config"], row["seed"], row["epoch"]) for row in final] == [
        ("slow", 3, 30),
        ("slow", 1, 30),
        ("slow", 4, 30),
        ("fast", 3, 30),
        ("fast", 1, 30),
        ("fast", 4, 30),
    ]
    assert final[4]["loss"] == pytest.approx(0.5**3 + 0.01)


def plain_mean_and_std(values):
    mean = sum(values) / len(values)
    std = math.sqrt(sum((value - mean) ** 2 for value in values) / (len(values) - 1))
    return mean, std


def test_summary_matches_a_plain_python_mean_and_sample_std(runs):
    summary = runs.summary("loss")
    assert [row["config"] for row in summary] == ["slow", "fast"]
    for row, rate in zip(summary, (0.9, 0.5), strict=True):
        finals = [rate**3 + seed / 100 for seed in (3, 1, 4)]
        mean, std = plain_mean_and_std(finals)
        assert set(row) == {"config", "mean", "std", "min", "max", "n"}
        assert row["mean"] == pytest.approx(mean, rel=1e-12)
        assert row["std"] == pytest.approx(std, rel=1e-12)
        assert row["min"] == pytest.approx(min(finals))
        assert row["max"] == pytest.approx(max(finals))
        assert row["n"] == 3


def test_format_summary_prints_mean_std_min_max_and_n(runs):
    lines = runs.format_summary("loss", digits=3).splitlines()
    mean, std = plain_mean_and_std([0.5**3 + seed / 100 for seed in (3, 1, 4)])
    header = [cell.strip() for cell in lines[0].split(" | ")]
    assert header == ["config", "final loss: mean ± std", "min – max", "n"]
    assert len(lines) == 3
    fast = [cell.strip() for cell in lines[2].split(" | ")]
    assert fast == ["fast", f"{mean:.3f} ± {std:.4f}", "0.135 – 0.165", "3"]
    assert "0.152 ± 0.0153" in lines[2]  # 0.125 + mean and stdev of 0.03, 0.01, 0.04
    # Aligned columns: every row puts its separators at the same places.
    assert len({line.index("|") for line in lines}) == 1


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.0741234, 3, "0.0741"),
        (0.97, 3, "0.970"),
        (0.99961, 3, "1.00"),
        (12345.6, 3, "12346"),
        (2.346e-6, 3, "2.35e-06"),
        (0.0, 3, "0.00"),
        (-0.5, 2, "-0.50"),
        (float("nan"), 3, "nan"),
    ],
)
def test_format_number_keeps_significant_digits(value, digits, text):
    assert format_number(value, digits) == text


def test_scalar_runs_give_one_row_per_seed():
    runs = run_over_seeds(
        {"a": {"offset": 1.0}, "b": {"offset": 2.0}},
        lambda seed, offset: {"loss": np.float32(offset + seed), "acc": 0.5},
        seeds=range(3),
    )
    assert runs.kind == "scalars"
    assert runs.rows == runs.final()
    assert [row["loss"] for row in runs.rows] == [1.0, 2.0, 3.0, 2.0, 3.0, 4.0]
    (a, b) = runs.summary("loss")
    assert (a["mean"], a["std"], b["mean"], b["min"], b["max"]) == (2.0, 1.0, 3.0, 2.0, 4.0)
    with pytest.raises(ValueError, match="needs curves"):
        runs.curves("loss", "a")


def test_one_seed_has_no_standard_deviation():
    runs = run_over_seeds({"a": {}}, lambda seed: {"loss": 1.0}, seeds=[7])
    (row,) = runs.summary("loss")
    assert math.isnan(row["std"])
    assert "1.00 ± nan" in runs.format_summary("loss")


def test_a_diverged_run_is_not_left_out_silently():
    runs = run_over_seeds({"a": {}}, lambda seed: {"loss": math.nan if seed == 2 else 0.1})
    (row,) = runs.summary("loss")
    assert all(math.isnan(row[key]) for key in ("mean", "std", "min", "max"))
    assert row["n"] == 5


def test_train_gets_the_seed_and_the_configuration():
    calls = []

    def train(**kwargs):
        calls.append(kwargs)
        return {"loss": 0.0}

    run_over_seeds({"x": {"width": 8}}, train)
    assert calls == [{"seed": seed, "width": 8} for seed in (0, 1, 2, 3, 4)]


def test_curves_returns_x_and_one_row_per_seed(runs):
    x_values, values = runs.curves("loss", "fast")
    assert x_values.tolist() == [0, 10, 20, 30]
    assert values.shape == (3, 4)
    assert values[:, 2].tolist() == pytest.approx([0.25 + 0.03, 0.25 + 0.01, 0.25 + 0.04])


def test_plot_draws_every_run_faint_and_each_mean_bold(runs):
    ax = runs.plot("loss", logy=True)
    lines = ax.get_lines()
    assert len(lines) == 2 * (3 + 1)
    faint = [line for line in lines if line.get_alpha() is not None and line.get_alpha() < 0.5]
    bold = [line for line in lines if line.get_alpha() is None]
    assert len(faint) == 6 and len(bold) == 2
    assert all(line.get_linewidth() > 2 * faint[0].get_linewidth() for line in bold)
    means = {line.get_label(): line.get_ydata() for line in bold}
    assert means["fast"] == pytest.approx([np.mean([0.5**step + s / 100 for s in (3, 1, 4)])
                                           for step in range(4)])  # fmt: skip
    assert {line.get_color() for line in lines[:4]} == {"C0"}
    assert {line.get_color() for line in lines[4:]} == {"C1"}
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["slow", "fast"]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "epoch"
    plt.close(ax.figure)


def test_plot_of_scalars_puts_a_column_per_config():
    runs = run_over_seeds({"a": {}, "b": {}}, lambda seed: {"loss": float(seed)})
    _, ax = plt.subplots()
    assert runs.plot("loss", ax=ax) is ax
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["a", "b"]
    assert len(ax.collections) == 4  # per config: the seeds' dots and the mean's bar
    plt.close(ax.figure)


@pytest.mark.parametrize(
    ("configs", "train", "seeds", "error", "message"),
    [
        ([], decaying, (0,), TypeError, "non-empty dict"),
        ({}, decaying, (0,), TypeError, "non-empty dict"),
        ({"a": 0.9}, decaying, (0,), TypeError, r"configs\['a'\] must be a dict"),
        ({"a": {"seed": 1}}, decaying, (0,), ValueError, "passes the seed itself"),
        ({"a": {"rate": 0.9}}, "decaying", (0,), TypeError, "train must be callable"),
        ({"a": {"rate": 0.9}}, decaying, 5, TypeError, "list or range"),
        ({"a": {"rate": 0.9}}, decaying, [], ValueError, "at least one seed"),
        ({"a": {"rate": 0.9}}, decaying, [0.5], TypeError, "integer"),
        ({"a": {"rate": 0.9}}, decaying, [1, 1], ValueError, "distinct"),
    ],
)
def test_bad_arguments_say_what_was_expected(configs, train, seeds, error, message):
    with pytest.raises(error, match=message):
        run_over_seeds(configs, train, seeds=seeds)


@pytest.mark.parametrize(
    ("result", "error", "message"),
    [
        ([1.0], TypeError, "must return a non-empty dict"),
        ({}, TypeError, "must return a non-empty dict"),
        ({"seed": [1], "loss": [1]}, ValueError, "reserved keys"),
        ({"loss": [1.0, 2.0], "acc": [1.0]}, ValueError, "different or zero lengths"),
        ({"loss": []}, ValueError, "different or zero lengths"),
        ({"loss": [1.0], "acc": 0.5}, ValueError, r"mixed curves \['loss'\] with scalars"),
        ({"loss": "low"}, TypeError, "metrics must be numbers, got str"),
    ],
)
def test_bad_results_say_what_was_expected(result, error, message):
    with pytest.raises(error, match=message):
        run_over_seeds({"a": {}}, lambda seed: result)


def test_every_run_must_return_the_same_metrics():
    with pytest.raises(ValueError, match="same metrics"):
        run_over_seeds({"a": {}}, lambda seed: {"loss": 1.0} if seed else {"acc": 1.0})


def test_unknown_metric_and_config_are_named(runs):
    with pytest.raises(ValueError, match=r"metric must be one of \['epoch', 'loss', 'acc'\]"):
        runs.summary("accuracy")
    with pytest.raises(ValueError, match="config must be one of"):
        runs.curves("loss", "medium")
    with pytest.raises(ValueError, match="digits must be a positive integer"):
        runs.format_summary("loss", digits=0)


def test_seeds_logged_at_different_epochs_cannot_be_averaged():
    runs = run_over_seeds({"a": {}}, lambda seed: {"epoch": [0, 1 + seed], "loss": [1.0, 0.5]})
    with pytest.raises(ValueError, match="other epoch values"):
        runs.plot("loss")
    plt.close("all")


def test_runs_can_be_built_from_rows():
    rows = [{"config": "a", "seed": 0, "loss": 2.0}, {"config": "a", "seed": 1, "loss": 4.0}]
    runs = Runs(rows, configs=["a"], seeds=[0, 1], metrics=["loss"], kind="scalars")
    assert runs.summary("loss")[0]["mean"] == 3.0
    with pytest.raises(ValueError, match="kind must be"):
        Runs(rows, configs=["a"], seeds=[0, 1], metrics=["loss"], kind="table")
