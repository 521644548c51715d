"""``nnlib bench``: Fashion-MNIST training speed, side by side with PyTorch and the hardware.

Every measurement runs in its own fresh Python process (``worker``) so that thread
settings apply from the start, peak memory belongs to one implementation, and no thread
pool left spinning by one library slows the next. The modules:

- ``problem``: the task, the same for every runner (data, order, initial weights, Adam);
- ``runners``: nnlib's ``Model`` and the book-style baseline (``baseline``);
- ``torch_runner``: PyTorch on the CPU, with its default Adam and with its fused Adam;
- ``lower_bound``: the epoch's matrix products at the rate this machine runs them;
- ``spiral``: the chapters' spiral run, per epoch, with nnlib's classes; ``bare_spiral``: the
  same run as bare NumPy statements, the floor under it;
- ``measure``: per-epoch wall and CPU times, peak resident memory;
- ``run``: runs the workers and assembles the report; ``report``: ratios, targets, table.
"""
