"""Run every measurement, each in a fresh worker process, and assemble the report.

The order per thread count: the GEMM lower bound, nnlib, PyTorch (when installed; its
default Adam, then its fused Adam), the book-style baseline, the spiral; nnlib and PyTorch
back to back so that they see the same machine load as nearly as possible.
"""

import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys

import numpy as np
from threadpoolctl import threadpool_info

from benchmark import report
from benchmark.problem import (
    BATCH_SIZE,
    BETAS,
    DECAY,
    EPSILON,
    LAYER_SIZES,
    LEARNING_RATE,
    train_samples,
)
from benchmark.spiral import SPIRAL_EPOCHS

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
TEST_SAMPLES = 10_000


class BenchmarkError(RuntimeError):
    """A worker failed; the message holds what it printed."""


def torch_available():
    """Whether PyTorch can be imported (checked without importing it)."""
    return importlib.util.find_spec("torch") is not None


def run_benchmark(*, epochs, subset, threads, seed, spiral_epochs=SPIRAL_EPOCHS, progress=print):
    """Measure for each thread count in ``threads``; return the report (JSON-ready dict).

    ``progress(message)`` is called before each measurement. Raises
    :class:`BenchmarkError` when a worker fails (for instance, no Fashion-MNIST).
    """
    tasks = ["lower_bound", "nnlib", *(["torch", "torch_fused"] if torch_available() else [])]
    tasks += ["book_style", "spiral"]
    config = {"epochs": epochs, "subset": subset, "seed": seed, "spiral_epochs": spiral_epochs}
    runs = []
    for count in threads:
        load_before = os.getloadavg()
        results = {}
        for task in tasks:
            progress(f"nnlib bench: {task.replace('_', ' ')}, {count} thread(s)")
            results[task] = run_worker(task, {**config, "threads": count})
        full_recipe = subset is None and epochs >= report.FULL_RECIPE_EPOCHS
        runs.append(report.build_run(count, results, load_before, os.getloadavg(), full_recipe))
    return {"benchmark": setting(epochs, subset, seed), "machine": machine(), "runs": runs}


def run_worker(task, config):
    """Run ``task`` in a fresh process limited to ``config["threads"]`` threads."""
    environment = {**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(config["threads"]))}
    completed = subprocess.run(
        [sys.executable, "-m", "benchmark.worker", task],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchmarkError(f"{task} failed:\n{completed.stderr.strip()}")
    return json.loads(completed.stdout)


def setting(epochs, subset, seed):
    """What was trained, for the report."""
    return {
        "layers": list(LAYER_SIZES),
        "activation": "ReLU",
        "loss": "softmax cross-entropy",
        "optimizer": f"Adam(learning_rate={LEARNING_RATE}, decay={DECAY}, epsilon={EPSILON}, "
        f"beta_1={BETAS[0]}, beta_2={BETAS[1]})",
        "batch_size": BATCH_SIZE,
        "dtype": "float32",
        "train_samples": train_samples(subset),
        "test_samples": TEST_SAMPLES,
        "epochs": epochs,
        "subset": subset,
        "seed": seed,
    }


def machine():
    """The CPU and the software versions, for the report."""
    blas = [
        f"{library['internal_api']} {library['version']} ({library.get('architecture')})"
        for library in threadpool_info()
        if library["user_api"] == "blas"
    ]
    software = [f"Python {platform.python_version()}", f"NumPy {np.__version__}", *blas]
    if torch_available():
        software.append(f"PyTorch {importlib.metadata.version('torch')}")
    return {"cpu": _cpu_name(), "cpus": os.cpu_count(), "software": ", ".join(software)}


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
