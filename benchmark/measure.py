"""Timing and memory: per-epoch wall and CPU seconds, and the peak resident set size.

Linux keeps a process's peak resident set size (``VmHWM``) and lets the process reset it
(``/proc/self/clear_refs``), so the peak can be taken over training alone, after the data is
loaded. Elsewhere the peak over the whole process is reported instead.
"""

import re
import resource
import sys
import time
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def reset_peak_rss():
    """Start the peak resident set size afresh; return whether this system allows it."""
    try:
        CLEAR_REFS.write_text("5")  # 5: reset the peak RSS (Linux >= 4.0)
    except OSError:
        return False
    return True


def peak_rss_bytes():
    """The peak resident set size since the last reset (or since the process started)."""
    try:
        kilobytes = re.search(r"VmHWM:\s+(\d+) kB", STATUS.read_text()).group(1)
    except (OSError, AttributeError):
        # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    return int(kilobytes) * 1024


def time_epochs(train_epoch, epochs):
    """Call ``train_epoch()`` ``epochs`` times; return the peak memory and the times.

    Returns a dict: ``epoch_seconds`` and ``epoch_cpu_seconds`` (process CPU time, all
    threads: a busy machine shows as CPU time well below wall time), ``peak_rss_bytes``
    over the epochs and ``peak_rss_scope`` ("training" or "process").
    """
    scope = "training" if reset_peak_rss() else "process"
    walls, cpus = [], []
    for _ in range(epochs):
        wall, cpu = time.perf_counter(), time.process_time()
        train_epoch()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "epoch_seconds": walls,
        "epoch_cpu_seconds": cpus,
        "peak_rss_bytes": peak_rss_bytes(),
        "peak_rss_scope": scope,
    }
