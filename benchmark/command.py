"""``nnlib bench``: Fashion-MNIST training speed of nnlib, PyTorch, the book-style code and the
GEMM lower bound, each in a fresh process, at one or more thread counts.

Exits 0 when every measurement ran (whether or not the targets were met), 1 when one could
not (no Fashion-MNIST on this machine, a worker that failed). Never downloads anything.
"""

import argparse
import json
import sys
from pathlib import Path

from benchmark.report import format_report
from benchmark.run import BenchmarkError, run_benchmark
from benchmark.spiral import SPIRAL_EPOCHS
from nnlib.commands import positive

HELP = "Time Fashion-MNIST training: nnlib against PyTorch, book-style NumPy and the GEMM bound."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--epochs",
        type=positive(int),
        default=10,
        metavar="N",
        help="training epochs per implementation (default: 10)",
    )
    parser.add_argument(
        "--subset",
        type=positive(int),
        metavar="N",
        help="train on the first N training samples only (a quick run); default: all 60,000",
    )
    parser.add_argument(
        "--spiral-epochs",
        type=positive(int),
        default=SPIRAL_EPOCHS,
        metavar="N",
        help=f"epochs of the chapters' spiral run (default: the book's {SPIRAL_EPOCHS})",
    )
    parser.add_argument(
        "--threads",
        type=positive(int),
        nargs="+",
        default=[1, 2],
        metavar="N",
        help="thread counts to measure, for BLAS, NumPy and PyTorch (default: 1 2)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the full results to FILE as JSON"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the data order and weights (default: 0)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        report = run_benchmark(
            epochs=args.epochs,
            subset=args.subset,
            spiral_epochs=args.spiral_epochs,
            threads=args.threads,
            seed=args.seed,
            progress=lambda message: print(message, file=sys.stderr, flush=True),
        )
    except BenchmarkError as error:
        print(f"nnlib bench: {error}", file=sys.stderr)
        return 1
    print(format_report(report))
    if args.json is not None:
        try:
            args.json.write_text(json.dumps(report, indent=2) + "\n")
        except OSError as error:
            print(f"nnlib bench: cannot write {args.json}: {error}", file=sys.stderr)
            return 1
    return 0
