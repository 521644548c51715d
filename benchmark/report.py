"""The benchmark's results: summaries, ratios, targets, and the table ``nnlib bench`` prints.

``build_run(threads, results, ...)`` turns the workers' raw results for one thread count into
the JSON-ready record; ``format_report(report)`` prints a report of such records.
"""

import statistics

MB = 1024 * 1024
IMPLEMENTATIONS = {  # JSON key -> printed name, in the printed order
    "nnlib": "nnlib",
    "torch": "PyTorch (CPU)",
    "torch_fused": "PyTorch, fused Adam",
    "book_style": "book-style NumPy",
}
# The targets the benchmark checks.
MAX_NNLIB_OVER_TORCH = 0.9
MAX_NNLIB_OVER_LOWER_BOUND = 2.5
MIN_TEST_ACCURACY = 0.87
MAX_PEAK_RSS_MB = 450
FULL_RECIPE_EPOCHS = 10  # the accuracy target is for the full data set and 10 epochs


def summarize(result):
    """One implementation's raw worker result -> its record (times in seconds, memory in MB)."""
    walls, cpus = result["epoch_seconds"], result["epoch_cpu_seconds"]
    return {
        "seconds_per_epoch": {
            "median": statistics.median(walls),
            "min": min(walls),
            "max": max(walls),
        },
        "cpu_per_wall": sum(cpus) / sum(walls),
        "test_accuracy": result["test_accuracy"],
        "peak_rss_mb": result["peak_rss_bytes"] / MB,
        "peak_rss_scope": result["peak_rss_scope"],
        "epoch_seconds": walls,
        "epoch_cpu_seconds": cpus,
    }


def build_run(threads, results, load_before, load_after, full_recipe):
    """The record of one thread count: implementations, bound, spiral, ratios, targets.

    ``results``: the workers' raw results by task name (``torch`` may be missing);
    ``full_recipe``: whether this is the full data set for 10 epochs or more, the setting
    the accuracy target is stated for.
    """
    run = {"threads": threads, "load_average_before": load_before}
    run["load_average_after"] = load_after
    for key in IMPLEMENTATIONS:
        if key in results:
            run[key] = summarize(results[key])
    run["lower_bound"] = results["lower_bound"]
    run["spiral"] = spiral = results["spiral"]
    nnlib = run["nnlib"]["seconds_per_epoch"]["median"]
    run["ratios"] = {"nnlib_over_lower_bound": nnlib / run["lower_bound"]["seconds_per_epoch"]}
    run["ratios"]["spiral_nnlib_over_book_style"] = (
        spiral["nnlib"]["ms_per_epoch"] / spiral["book_style"]["ms_per_epoch"]
    )
    for key in IMPLEMENTATIONS:
        if key != "nnlib" and key in run:
            run["ratios"][f"nnlib_over_{key}"] = nnlib / run[key]["seconds_per_epoch"]["median"]
    run["targets"] = _targets(run, full_recipe)
    return run


def _targets(run, full_recipe):
    """``[{"target", "value", "met"}, ...]`` for the targets that apply to this run."""
    ratios, nnlib = run["ratios"], run["nnlib"]
    checks = []
    if "nnlib_over_torch" in ratios:
        checks.append(_at_most("nnlib / PyTorch", ratios["nnlib_over_torch"], MAX_NNLIB_OVER_TORCH))
    limit = MAX_NNLIB_OVER_LOWER_BOUND
    checks.append(_at_most("nnlib / lower bound", ratios["nnlib_over_lower_bound"], limit))
    if full_recipe:
        checks.append(_at_least("test accuracy", nnlib["test_accuracy"], MIN_TEST_ACCURACY))
    checks.append(_at_most("peak RSS (MB)", nnlib["peak_rss_mb"], MAX_PEAK_RSS_MB))
    return checks


def _at_most(name, value, limit):
    return {"target": f"{name} <= {limit}", "value": value, "met": value <= limit}


def _at_least(name, value, limit):
    return {"target": f"{name} >= {limit}", "value": value, "met": value >= limit}


def format_report(report):
    """The printed report: the setting, the machine, then one table per thread count."""
    setting, machine = report["benchmark"], report["machine"]
    lines = [
        f"nnlib bench: Fashion-MNIST {'-'.join(map(str, setting['layers']))} "
        f"(ReLU, softmax cross-entropy), {setting['optimizer']}, batch {setting['batch_size']}, "
        f"{setting['dtype']}",
        f"  {setting['train_samples']} training samples, {setting['test_samples']} test samples, "
        f"{setting['epochs']} epochs, seed {setting['seed']}",
        f"  machine: {machine['cpu']}, {machine['cpus']} CPUs; {machine['software']}",
    ]
    for run in report["runs"]:
        lines += ["", *_format_run(run)]
    lines += ["", *_NOTES]
    return "\n".join(lines)


def _format_run(run):
    before = ", ".join(f"{load:.1f}" for load in run["load_average_before"])
    after = ", ".join(f"{load:.1f}" for load in run["load_average_after"])
    lines = [
        f"threads: {run['threads']}   (load average before: {before}; after: {after})",
        f"  {'':20} {'seconds per epoch':>26}  {'test':>8}  {'peak RSS':>9}  {'CPU/wall':>8}",
        f"  {'':20} {'median':>8} {'min':>8} {'max':>8}  {'accuracy':>8}  {'training':>9}",
    ]
    for key, name in IMPLEMENTATIONS.items():
        if key == "torch" and key not in run:
            lines.append(f"  {'PyTorch':20} not run: not installed (pip install torch)")
        if key not in run:
            continue
        record = run[key]
        times = record["seconds_per_epoch"]
        lines.append(
            f"  {name:20} {times['median']:8.3f} {times['min']:8.3f} {times['max']:8.3f}  "
            f"{record['test_accuracy']:8.4f}  {record['peak_rss_mb']:6.0f} MB  "
            f"{record['cpu_per_wall']:8.2f}"
        )
    bound = run["lower_bound"]
    lines.append(
        f"  {'GEMM lower bound':20} {bound['seconds_per_epoch']:8.3f}   "
        f"({bound['gflop_per_epoch']:.1f} GFLOP per epoch at {bound['gflop_per_second']:.1f} "
        f"GFLOP/s, measured now)"
    )
    ratios = run["ratios"]
    lines.append(
        "  ratios of median epoch times: "
        + ", ".join(
            f"nnlib / {name} {ratios[key]:.2f}"
            for key, name in (
                ("nnlib_over_torch", "PyTorch"),
                ("nnlib_over_torch_fused", "PyTorch fused"),
                ("nnlib_over_book_style", "book-style"),
                ("nnlib_over_lower_bound", "lower bound"),
            )
            if key in ratios
        )
    )
    spiral = run["spiral"]
    ours, book = spiral["nnlib"], spiral["book_style"]
    same = (ours["accuracy"], ours["loss"]) == (book["accuracy"], book["loss"])
    lines += [
        f"  spiral (chapters' run, {ours['epochs']} epochs), ms per epoch:",
        _spiral_line("nnlib", ours)
        + f", final accuracy {ours['accuracy']:.3f}, loss {ours['loss']:.6f}",
        _spiral_line("book-style NumPy", book)
        + f", final accuracy and loss {'the same' if same else 'DIFFERENT'}",
        f"    nnlib / book-style {ratios['spiral_nnlib_over_book_style']:.2f}",
    ]
    lines.append("  targets:")
    for check in run["targets"]:
        verdict = "met" if check["met"] else "MISSED"
        lines.append(f"    {check['target']:28} {check['value']:8.3f}  {verdict}")
    return lines


def _spiral_line(name, timing):
    return f"    {name:18} {timing['ms_per_epoch']:8.3f}   (CPU {timing['cpu_ms_per_epoch']:.3f})"


_NOTES = [
    "Seconds per epoch: wall time of one pass over the training set (forward, loss, backward",
    "and update of every batch), each implementation in its own fresh process, with the same",
    "data order and initial weights. PyTorch: torch.optim.Adam as it comes (the target's",
    "baseline), then with fused=True. Book-style NumPy: the chapters' code, untuned.",
    "GEMM lower bound: the epoch's matrix products alone, each timed with np.dot on its exact",
    "shapes (first layer's input gradient excluded: nobody needs it).",
    "CPU/wall: CPU seconds per wall second; well below the thread count, other work took the",
    "CPUs and every time is inflated: run again on a quiet machine.",
    "Peak RSS: resident memory while training, after loading the data.",
    "Spiral: the book's Adam run of chapter 7 (Dense(2,64)-ReLU-Dense(64,3), Adam(0.05,",
    "decay=5e-7), 300 samples, float32 after nnfs.init()), with nnlib.book's classes and with",
    "the book-style reference, through the chapters' loop (nnlib.spiral_training).",
]
