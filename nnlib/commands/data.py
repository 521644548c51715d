"""``nnlib data``: find (or download) Fashion-MNIST and verify its four files."""

import argparse
import sys

from nnlib import datasets

HELP = "Find or download Fashion-MNIST and verify its checksums."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--offline", action="store_true", help="never download; fail if the data is not found"
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    parser.add_argument(
        "--dir",
        metavar="DIR",
        help="look only in DIR (and download there) instead of the usual places",
    )


def run(args: argparse.Namespace) -> int:
    try:
        arrays = datasets.load_fashion_mnist(args.dir, download=not args.offline, quiet=args.quiet)
        # Cheap once the files exist, and names the very folder the loader just used.
        folder = datasets.find_fashion_mnist(args.dir)
    except datasets.DatasetError as err:
        print(f"nnlib data: {err}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"Fashion-MNIST is in {folder}")
        for name, array in zip(datasets.FILES, arrays, strict=True):
            print(f"  {datasets.data_file(folder, name).name}  {array.shape}  ok")
    return 0
