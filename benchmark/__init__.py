"""``nnlib bench``: Fashion-MNIST training speed, side by side with PyTorch and the hardware.

Every measurement runs in its own fresh Python process (``worker``) so that thread
settings apply from the start, peak memory belongs to one implementation, and no thread
pool left spinning by one library slows the next. The modules:

- ``command``: the ``nnlib bench`` subcommand (an ``nnlib.commands`` entry point);
- ``problem``: the task, the same for every runner (data, order, initial weights, Adam);
- ``runners``: nnlib's ``Model`` and the book-style baseline (``baseline``, wired from
  :mod:`reference.book_style`);
- ``torch_runner``: PyTorch on the CPU, with its default Adam and with its fused Adam;
- ``lower_bound``: the epoch's matrix products at the rate this machine runs them;
- ``spiral``: the chapters' spiral run, per epoch, through the chapters' loop
  (``nnlib.spiral_training``), with nnlib's classes and with the book-style reference;
- ``measure``: per-epoch wall and CPU times, peak resident memory;
- ``run``: runs the workers and assembles the report; ``report``: ratios, targets, table.
"""
