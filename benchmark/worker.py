"""One measurement in a fresh process: ``python -m benchmark.worker TASK``.

Reads the configuration (JSON: ``threads``, ``epochs``, ``subset``, ``seed``) on stdin and
writes the result as JSON on stdout. The caller sets ``OPENBLAS_NUM_THREADS`` and friends
before NumPy starts; the limits are applied again here with threadpoolctl. Exit status 2:
the data set is missing (the message is on stderr).
"""

import json
import sys

from threadpoolctl import threadpool_limits

from benchmark.lower_bound import run_lower_bound
from benchmark.runners import run_book_style, run_nnlib
from benchmark.spiral import run_spiral
from benchmark.torch_runner import run_torch, run_torch_fused
from nnlib.datasets import DatasetError

TASKS = {
    "lower_bound": run_lower_bound,
    "nnlib": run_nnlib,
    "torch": run_torch,
    "torch_fused": run_torch_fused,
    "book_style": run_book_style,
    "spiral": run_spiral,
}


def main(argv=None):
    (task,) = sys.argv[1:] if argv is None else argv
    config = json.load(sys.stdin)
    try:
        with threadpool_limits(config["threads"]):
            result = TASKS[task](config)
    except DatasetError as error:
        print(error, file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
