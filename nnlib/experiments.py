"""Run a set of configurations over several seeds, then tabulate and plot the spread.

One run proves little: another seed draws other weights (and other mini-batches) and ends
elsewhere. A comparison holds only if it holds across seeds, so the chapters compare
configurations like this::

    runs = run_over_seeds(
        {"SGD η=1": dict(optimizer=lambda: SGD(learning_rate=1.0)),
         "Adam η=0.02": dict(optimizer=lambda: Adam(learning_rate=0.02))},
        partial(spiral_curves, epochs=1000, log_every=50),  # train(seed=..., **kwargs)
        seeds=range(5),
    )
    print(runs.format_summary("loss"))  # config | mean ± std | min – max | n, of the final loss
    runs.plot("loss", logy=True)        # every run faint, each configuration's mean bold
    plt.show()

``train(seed=seed, **kwargs)`` returns either curves, a dict of equal-length lists such as
``{"epoch": [0, 10, ...], "loss": [...], "acc": [...]}``, or a dict of scalars such as
``{"loss": 0.07, "acc": 0.97}`` (one row per seed). ``Runs.rows`` is then a tidy table: one
dict per (config, seed, step) with the keys ``"config"``, ``"seed"`` and the metrics.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np

DEFAULT_SEEDS = (0, 1, 2, 3, 4)
RESERVED_KEYS = ("config", "seed")
SUMMARY_KEYS = ("config", "mean", "std", "min", "max", "n")


def run_over_seeds(configs, train, seeds=DEFAULT_SEEDS):
    """Call ``train(seed=seed, **kwargs)`` for every configuration and every seed.

    configs: a dict ``label -> dict of keyword arguments`` for ``train``, in the order the
        table and the legend should follow; the label names the configuration (``"config"``).
    train: a callable ``train(seed=int, **kwargs)`` returning a dict of metrics: either
        curves (every value a list of numbers, all of one length, e.g. ``"epoch"`` and
        ``"loss"``) or scalars (every value a number). Every run must return the same keys,
        and either all curves or all scalars.
    seeds: the seeds, distinct integers (default 0 to 4: five runs per configuration).
    Returns a :class:`Runs`.
    """
    configs = _check_configs(configs)
    if not callable(train):
        raise TypeError(f"train must be callable as train(seed=..., **kwargs), got {train!r}.")
    seeds = _check_seeds(seeds)
    rows = []
    metrics = None
    kind = None
    for label, kwargs in configs.items():
        for seed in seeds:
            result = train(seed=seed, **kwargs)
            run_kind, steps = _check_result(result, label, seed)
            if metrics is None:
                metrics, kind = tuple(result), run_kind
            elif set(result) != set(metrics) or run_kind != kind:
                raise ValueError(
                    f"every run must return the same metrics, all {kind}: the first run "
                    f"returned {kind} {sorted(metrics)}, config {label!r} seed {seed} returned "
                    f"{run_kind} {sorted(result)}."
                )
            for step in range(steps):
                row = {"config": label, "seed": seed}
                for metric in metrics:
                    value = result[metric][step] if kind == "curves" else result[metric]
                    row[metric] = _plain_number(value)
                rows.append(row)
    return Runs(rows, configs=list(configs), seeds=seeds, metrics=metrics, kind=kind)


class Runs:
    """The runs of several configurations over several seeds, as a tidy table.

    rows: list of dicts, one per (config, seed, step) for curves, one per (config, seed) for
        scalars; each holds ``"config"`` (the label), ``"seed"`` and every metric.
    configs: the labels, in order. seeds: the seeds, a tuple. metrics: the metric names.
    kind: ``"curves"`` when each run returned curves (several steps), ``"scalars"`` when it
        returned one value per metric.
    """

    def __init__(self, rows, *, configs, seeds, metrics, kind):
        self.rows = rows
        self.configs = list(configs)
        self.seeds = tuple(seeds)
        self.metrics = tuple(metrics)
        if kind not in ("curves", "scalars"):
            raise ValueError(f"kind must be 'curves' or 'scalars', got {kind!r}.")
        self.kind = kind

    def __repr__(self):
        return (
            f"Runs({len(self.configs)} configs x {len(self.seeds)} seeds, "
            f"metrics {list(self.metrics)}, {len(self.rows)} rows)"
        )

    def final(self):
        """One row per (config, seed): the metrics of that run's last step."""
        last = {}
        for row in self.rows:
            last[row["config"], row["seed"]] = row
        return [dict(last[label, seed]) for label in self.configs for seed in self.seeds]

    def summary(self, metric):
        """One row per config: the spread over seeds of ``metric``'s final value.

        Each row is a dict with the keys ``SUMMARY_KEYS``: ``config``, ``mean``, ``std`` (the
        sample standard deviation, n - 1 in the denominator; NaN for a single seed), ``min``,
        ``max`` and ``n`` (the number of seeds). A run that diverged to NaN makes all four
        statistics of its configuration NaN: it is not left out silently.
        """
        self._check_metric(metric)
        finals = self.final()
        table = []
        for label in self.configs:
            values = np.array([row[metric] for row in finals if row["config"] == label])
            table.append(
                {
                    "config": label,
                    "mean": float(np.mean(values)),
                    "std": float(np.std(values, ddof=1)) if len(values) > 1 else math.nan,
                    "min": float(np.min(values)),
                    "max": float(np.max(values)),
                    "n": len(values),
                }
            )
        return table

    def format_summary(self, metric, digits=3):
        """``summary(metric)`` as a plain-text table, numbers to ``digits`` significant digits.

        Columns: config | final metric, mean ± std | min – max | n.
        """
        if not isinstance(digits, Integral) or isinstance(digits, bool) or digits < 1:
            raise ValueError(f"digits must be a positive integer, got {digits!r}.")
        header = ("config", f"final {metric}: mean ± std", "min – max", "n")
        lines = [header]
        for row in self.summary(metric):
            lines.append(
                (
                    str(row["config"]),
                    f"{format_number(row['mean'], digits)} ± {format_number(row['std'], digits)}",
                    f"{format_number(row['min'], digits)} – {format_number(row['max'], digits)}",
                    str(row["n"]),
                )
            )
        widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
        return "\n".join(
            " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
            for line in lines
        )

    def curves(self, metric, config, x="epoch"):
        """One configuration's curves: ``(x_values (T,), values (S, T))`` for its S seeds.

        Every seed's run must have been logged at the same ``x`` values (else ValueError).
        """
        if self.kind != "curves":
            raise ValueError("curves() needs curves; these runs returned one value per metric.")
        self._check_metric(metric)
        self._check_metric(x)
        if config not in self.configs:
            raise ValueError(f"config must be one of {self.configs}, got {config!r}.")
        x_values, values = None, []
        for seed in self.seeds:
            rows = [row for row in self.rows if row["config"] == config and row["seed"] == seed]
            seed_x = [row[x] for row in rows]
            if x_values is None:
                x_values = seed_x
            elif seed_x != x_values:
                raise ValueError(
                    f"config {config!r}: seed {seed} was logged at other {x} values than seed "
                    f"{self.seeds[0]}, so the seeds cannot be averaged step by step."
                )
            values.append([row[metric] for row in rows])
        return np.array(x_values, dtype=np.float64), np.array(values, dtype=np.float64)

    def plot(self, metric, x="epoch", ax=None, logy=False):
        """Draw the spread of ``metric``: every run faint, each configuration's mean bold.

        Curves: ``metric`` against ``x``, one colour per configuration, a thin faint line per
        seed and the mean over seeds bold. Scalars (one value per run): one column per
        configuration, a faint dot per seed and the mean as a bold bar (``x`` is not used).
        The legend names the configurations. logy: a logarithmic vertical axis.
        Returns the axes (a new figure when ``ax`` is None); call ``plt.show()`` after.
        """
        import matplotlib.pyplot as plt

        self._check_metric(metric)
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        for index, label in enumerate(self.configs):
            colour = f"C{index % 10}"
            if self.kind == "curves":
                x_values, values = self.curves(metric, label, x=x)
                for run in values:
                    ax.plot(x_values, run, color=colour, alpha=0.25, linewidth=0.8)
                ax.plot(x_values, values.mean(axis=0), color=colour, linewidth=2.2, label=label)
            else:
                values = [row[metric] for row in self.rows if row["config"] == label]
                ax.scatter([index] * len(values), values, color=colour, alpha=0.35, s=18)
                mean = float(np.mean(values))
                ax.hlines(mean, index - 0.3, index + 0.3, colors=colour, linewidth=2.5, label=label)
        if self.kind == "curves":
            ax.set_xlabel(x)
        else:
            ax.set_xticks(range(len(self.configs)), self.configs)
        ax.set_ylabel(metric)
        if logy:
            ax.set_yscale("log")
        ax.set_title(f"{metric}: {len(self.seeds)} seeds each (faint), mean (bold)")
        ax.legend()
        return ax

    def _check_metric(self, metric):
        if metric not in self.metrics:
            raise ValueError(f"metric must be one of {list(self.metrics)}, got {metric!r}.")


def format_number(value, digits=3):
    """``value`` to ``digits`` significant digits, trailing zeros kept: 0.0740, 1.00, 2.35e-06.

    Plain decimals from 1e-4 up; smaller magnitudes in scientific notation; large numbers keep
    all their integer digits (12346, not 1.23e+04). NaN and infinities print as nan and inf.
    """
    value = float(value)
    if not math.isfinite(value) or value == 0:
        return f"{value:.{digits - 1}f}" if value == 0 else str(value)
    exponent = int(f"{value:.{digits - 1}e}".split("e")[1])  # after rounding: 0.9996 -> 1.00
    if exponent < -4:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{max(0, digits - 1 - exponent)}f}"


def _check_configs(configs):
    if not isinstance(configs, Mapping) or not configs:
        raise TypeError(
            f"configs must be a non-empty dict label -> dict of keyword arguments, "
            f"got {type(configs).__name__}: {configs!r}."
        )
    for label, kwargs in configs.items():
        if not isinstance(kwargs, Mapping):
            raise TypeError(
                f"configs[{label!r}] must be a dict of keyword arguments for train, "
                f"got {type(kwargs).__name__}: {kwargs!r}."
            )
        if "seed" in kwargs:
            raise ValueError(
                f"configs[{label!r}] sets 'seed': run_over_seeds passes the seed itself "
                f"(give the seeds as seeds=...)."
            )
    return dict(configs)


def _check_seeds(seeds):
    if isinstance(seeds, Integral) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a list or range of integers, got {seeds!r}.")
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed, got none.")
    for seed in seeds:
        if not isinstance(seed, Integral) or isinstance(seed, bool):
            raise TypeError(f"every seed must be an integer, got {seed!r} in {seeds}.")
    seeds = tuple(int(seed) for seed in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}.")
    return seeds


def _check_result(result, label, seed):
    """Return ``("curves", length)`` or ``("scalars", 1)`` for one run's dict, or raise."""
    where = f"train(seed={seed}) for config {label!r}"
    if not isinstance(result, Mapping) or not result:
        raise TypeError(
            f"{where} must return a non-empty dict of metrics (lists or numbers), "
            f"got {type(result).__name__}: {result!r}."
        )
    clash = sorted(set(result).intersection(RESERVED_KEYS))
    if clash:
        raise ValueError(f"{where} returned the reserved keys {clash}: rename those metrics.")
    is_curve = {key: _is_curve(value) for key, value in result.items()}
    if all(is_curve.values()):
        lengths = {key: len(value) for key, value in result.items()}
        if len(set(lengths.values())) != 1 or 0 in lengths.values():
            raise ValueError(
                f"{where} returned curves of different or zero lengths: {lengths}; every "
                f"curve needs one value per logged step."
            )
        return "curves", next(iter(lengths.values()))
    if not any(is_curve.values()):
        return "scalars", 1
    curves = sorted(key for key, flag in is_curve.items() if flag)
    scalars = sorted(key for key, flag in is_curve.items() if not flag)
    raise ValueError(
        f"{where} mixed curves {curves} with scalars {scalars}: return all lists (one value "
        f"per logged step) or all numbers (one per run)."
    )


def _is_curve(value):
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return isinstance(value, Sequence) and not isinstance(value, str)


def _plain_number(value):
    """A Python int or float from a number of any kind (NumPy's scalars print noisily)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1:
        return _plain_number(value.item())
    raise TypeError(f"metrics must be numbers, got {type(value).__name__}: {value!r}.")
