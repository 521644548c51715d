"""The sandbox each submission runs in: bubblewrap, with caps on memory, processes and CPU time.

``nnlib grade`` runs the whole execution of a submission (nbclient and the kernel it starts)
as ``python -m instructor.sandbox REQUEST`` inside `bubblewrap`_ (:func:`main`, then
:func:`instructor.runner.run_request`), which writes its result as JSON into the sandbox's
private folder; the grader reads that file once the sandbox has exited. Inside the sandbox:

- the file system holds only what running a notebook needs, read-only: the system (``/usr``
  and a few files of ``/etc``), Python and the environment (the interpreter, the venv, the
  packages ``nnlib`` and ``instructor``) and Fashion-MNIST. The rubrics (their hidden
  checks), the folders holding submissions, the folders given on the command line and the
  output folder are masked by empty folders wherever they lie within those;
- only the private folder :data:`GRADING_DIR` (fresh for each submission: the copy of the
  notebook in ``/grading/work``, the kernel's working folder, the result, and the grader's
  socket, where the kernel answers the grader's questions) and a private
  ``/tmp`` and ``/dev/shm`` (tmpfs, at most the memory cap each) are writable;
- no network (a network namespace with loopback only), its own PID namespace (nothing outside
  can be seen or signalled, and every process started inside ends with the sandbox), a new
  session, no capabilities, no further user namespaces, and only a whitelisted environment;
- :class:`Limits`: memory and tasks (processes and threads) capped by a cgroup per submission,
  removed afterwards; CPU time capped for the whole submission by the grader watching the
  cgroup's CPU usage, and for each process by RLIMIT_CPU. Where no cgroup can be made,
  memory falls back to RLIMIT_AS per process and the task count is not capped (root ignores
  RLIMIT_NPROC): :meth:`Sandbox.describe` says which caps hold.

This module's top level imports the standard library only (and :mod:`instructor.rubric`, which
does too), so that the process started in the sandbox can prepare its imports before nbclient's
(see :func:`main`).

.. _bubblewrap: https://github.com/containers/bubblewrap
"""

import errno
import importlib.util
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from instructor.rubric import rubric_modules

BWRAP = "bwrap"
HOW_TO_GET_IT = (
    "install bubblewrap (`apt-get install bubblewrap` on Debian and Ubuntu, as root), or grade "
    "without a sandbox with --no-sandbox (the notebooks' code then runs unconfined, with the "
    "grader's rights)"
)
# The caps' defaults (``nnlib grade --memory --processes --cpu-time``). Grading chapter 9's
# solution (Fashion-MNIST training) peaks at 0.8 GB and 21 tasks and uses 5 s of CPU time.
# The CPU time cap is twice the notebook's time limit: a single-threaded notebook never
# reaches it (the time limit stops it first, with the grading grace that follows), code
# keeping several cores busy does.
DEFAULT_MEMORY = "2G"
DEFAULT_PROCESSES = 256
CPU_TIME_PER_TIMEOUT = 2
# The private folder, as the code in the sandbox sees it: writable, fresh for each submission.
GRADING_DIR = "/grading"
RESULT_NAME = "result.json"
# The FIFO a warm sandbox reads its request from, and how long it may take to be ready.
READY_NAME = "ready"
READY_SECONDS = 120
MAX_RESULT_BYTES = 16 * 1024 * 1024
# How often the grader checks the task and CPU caps of a running sandbox.
POLL_SECONDS = 0.1
# Seconds of CPU time past RLIMIT_CPU's soft limit (SIGXCPU) before its hard one (SIGKILL).
CPU_HARD_MARGIN = 5
# What the sandbox sees of /etc: the dynamic linker's, time zone, fonts, certificates. Not
# passwd, shadow, ssh keys or the machine's configuration: a learner's code could put any
# file it can read into its own feedback.
ETC_ENTRIES = (
    "alternatives",
    "fonts",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "ssl",
    "timezone",
)
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Environment variables passed into the sandbox (the grader's may hold secrets): locale,
# Python's, nnlib's (rubric registrations, data), and the numerical libraries' settings.
PASSED_VARIABLES = ("LANG", "LANGUAGE", "TZ")
PASSED_PREFIXES = ("LC_", "PYTHON", "NNLIB_", "OPENBLAS_", "OMP_", "MKL_", "NPY_", "MPL")
# Not these: the sandbox imports nnlib and the grader's kernel-side modules only, from where
# they are installed; a rubric's folder on PYTHONPATH is masked anyway.
WITHHELD_VARIABLES = ("PYTHONPATH", "NNLIB_RUBRIC_MODULES")
# Made by hand rather than bound: the machine's passwd would show its accounts.
PASSWD = "root:x:0:0:learner:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
CGROUP_PREFIX = "nnlib-grade-"

# What stopped a sandbox (Outcome.stopped) besides its own end.
STOPPED_PROCESSES = "processes"
STOPPED_CPU = "cpu"
STOPPED_WALL = "wall"


class SandboxError(Exception):
    """No sandbox can be made here (no bubblewrap, or it cannot start), or one failed to start."""


@dataclass(frozen=True)
class Limits:
    """The caps of one submission: memory in bytes, tasks (processes and threads), CPU seconds."""

    memory: int
    processes: int
    cpu_seconds: float


SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from ``2G``, ``512M``, ``1.5GiB`` or ``1000000`` (units are powers of 1024)."""
    match = SIZE.match(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (examples: 2G, 512M)")
    size = int(float(match[1]) * UNITS[match[2].upper()])
    if size <= 0:
        raise ValueError(f"not a positive size: {text!r}")
    return size


def format_size(size: int) -> str:
    """``2G``, ``1.5G``, ``512M``: the largest unit giving at most one decimal."""
    for unit in ("T", "G", "M", "K"):
        value = size / UNITS[unit]
        if value >= 1 and round(value, 1) == value:
            return f"{value:g}{unit}"
    return f"{size}"


# --- cgroups --------------------------------------------------------------------------------

# By (cgroup version, cap): the file the cap is written to, and the counter (file, key) that
# says it was hit: the kernel's OOM kills at the memory cap, the forks refused at the task cap.
LIMIT_FILES = {
    (1, "memory"): "memory.limit_in_bytes",
    (2, "memory"): "memory.max",
    (1, "pids"): "pids.max",
    (2, "pids"): "pids.max",
}
EVENT_COUNTERS = {
    (1, "memory"): ("memory.oom_control", "oom_kill"),
    (2, "memory"): ("memory.events", "oom_kill"),
    (1, "pids"): ("pids.events", "max"),
    (2, "pids"): ("pids.events", "max"),
}
# cgroup v1 names its CPU accounting controller cpuacct.
V1_CONTROLLER = {"memory": "memory", "pids": "pids", "cpu": "cpuacct"}


@dataclass(frozen=True)
class CgroupParent:
    """Where the cgroups of one cap are made: under ``path``, in a version 1 or 2 hierarchy."""

    kind: str  # "memory", "pids" or "cpu"
    version: int
    path: str


def _unescape(field_text: str) -> str:
    """A path from /proc/self/mountinfo, where spaces and the like are octal escapes."""
    return re.sub(r"\\([0-7]{3})", lambda match: chr(int(match[1], 8)), field_text)


def cgroup_mounts(mountinfo: str) -> list[tuple[str, str, str, set[str]]]:
    """(fs type, mount root, mount point, options) of each cgroup file system mounted."""
    mounts = []
    for line in mountinfo.splitlines():
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        options = set(tail[2].split(","))
        mounts.append((tail[0], _unescape(fields[3]), _unescape(fields[4]), options))
    return mounts


def own_cgroups(proc_cgroup: str) -> dict[str, str]:
    """{controller: path} from /proc/self/cgroup; the version 2 hierarchy's under ""."""
    paths = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                paths[controller] = parts[2]
    return paths


def _inside(root: str, path: str) -> str | None:
    """``path`` relative to the mount root ``root``, or None when it lies outside."""
    relative = os.path.relpath(path, root)
    return None if relative == ".." or relative.startswith("../") else relative


def cgroup_candidates(mountinfo: str, proc_cgroup: str) -> list[CgroupParent]:
    """Where each cap's cgroups could go: under this process's own cgroup, v2 first."""
    own = own_cgroups(proc_cgroup)
    candidates = []
    for kind in ("memory", "pids", "cpu"):
        for fs_type, root, point, options in cgroup_mounts(mountinfo):
            version = 2 if fs_type == "cgroup2" else 1
            controller = "" if version == 2 else V1_CONTROLLER[kind]
            if controller not in own or (version == 1 and controller not in options):
                continue
            relative = _inside(root, own[controller])
            if relative is not None:
                path = os.path.normpath(os.path.join(point, relative))
                candidates.append(CgroupParent(kind, version, path))
    return sorted(candidates, key=lambda candidate: -candidate.version)


def _read(path: Path) -> str:
    return path.read_text(encoding="ascii", errors="replace")


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="ascii") as file:
        file.write(text)


def _counter(text: str, key: str) -> int:
    """The value of ``key`` in a flat-keyed cgroup file (``oom_kill 1``)."""
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


def _usable_v2(parent: Path, kind: str) -> bool:
    """Whether children of ``parent`` get the controller ``kind`` (enabling it if need be)."""
    if kind == "cpu":  # cpu.stat's usage is there without the cpu controller
        return True
    if kind not in _read(parent / "cgroup.subtree_control").split():
        # Refused when the grader's own cgroup holds processes (cgroup v2's "no internal
        # processes" rule): then the caps fall back to rlimits.
        _write(parent / "cgroup.subtree_control", f"+{kind}")
    return kind in _read(parent / "cgroup.subtree_control").split()


def find_cgroup_parents(limits: Limits) -> dict[str, CgroupParent]:
    """The cgroup parent of each cap that works here, tried by making and removing a cgroup."""
    try:
        mountinfo = _read(Path("/proc/self/mountinfo"))
        proc_cgroup = _read(Path("/proc/self/cgroup"))
    except OSError:
        return {}
    found = {}
    for candidate in cgroup_candidates(mountinfo, proc_cgroup):
        if candidate.kind in found:
            continue
        _remove_stale(Path(candidate.path))
        probe = Path(candidate.path, f"{CGROUP_PREFIX}{os.getpid()}-probe-{secrets.token_hex(4)}")
        try:
            if candidate.version == 2 and not _usable_v2(Path(candidate.path), candidate.kind):
                continue
            probe.mkdir()
            try:
                group = Cgroup({candidate.kind: candidate}, {candidate.kind: probe})
                group.set_limits(limits)
                group.cpu_seconds()
            finally:
                probe.rmdir()
        except (OSError, ValueError):
            continue
        found[candidate.kind] = candidate
    return found


def _remove_stale(parent: Path) -> None:
    """Remove the cgroups that graders which died left under ``parent`` (when empty)."""
    try:
        names = [path for path in parent.iterdir() if path.name.startswith(CGROUP_PREFIX)]
    except OSError:
        return
    for path in names:
        owner = path.name[len(CGROUP_PREFIX) :].split("-")[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            try:
                path.rmdir()
            except OSError:
                pass


@dataclass
class Cgroup:
    """The cgroups of one submission (one per hierarchy), ``dirs`` keyed by cap."""

    parents: dict[str, CgroupParent]
    dirs: dict[str, Path]

    @classmethod
    def create(cls, parents: dict[str, CgroupParent], limits: Limits) -> "Cgroup":
        name = f"{CGROUP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
        group = cls(parents, {})
        try:
            for kind, parent in parents.items():
                path = Path(parent.path, name)
                if path not in group.dirs.values():
                    path.mkdir()
                group.dirs[kind] = path
            group.set_limits(limits)
        except BaseException:
            group.remove()
            raise
        return group

    def set_limits(self, limits: Limits) -> None:
        for kind, path in self.dirs.items():
            version = self.parents[kind].version
            if kind == "memory":
                _write(path / LIMIT_FILES[version, kind], str(limits.memory))
                # No swapping around the cap (where there is swap to account).
                swap = "memory.memsw.limit_in_bytes" if version == 1 else "memory.swap.max"
                if (path / swap).exists():
                    _write(path / swap, str(limits.memory) if version == 1 else "0")
            elif kind == "pids":
                _write(path / LIMIT_FILES[version, kind], str(limits.processes))

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a process writes its pid to, to join every cgroup."""
        return sorted({str(path / "cgroup.procs") for path in self.dirs.values()})

    def _event(self, kind: str) -> int:
        if kind not in self.dirs:
            return 0
        file, key = EVENT_COUNTERS[self.parents[kind].version, kind]
        try:
            return _counter(_read(self.dirs[kind] / file), key)
        except OSError:
            return 0

    def oom_kills(self) -> int:
        """How many processes the kernel killed for want of memory under the cap."""
        return self._event("memory")

    def task_limit_hits(self) -> int:
        """How many forks (or new threads) the task cap refused."""
        return self._event("pids")

    def cpu_seconds(self) -> float | None:
        """The CPU time used by every process in the cgroup so far, or None if not accounted."""
        if "cpu" not in self.dirs:
            return None
        path = self.dirs["cpu"]
        if self.parents["cpu"].version == 1:
            return int(_read(path / "cpuacct.usage")) / 1e9
        return _counter(_read(path / "cpu.stat"), "usage_usec") / 1e6

    def pids(self) -> list[int]:
        found = set()
        for path in self.dirs.values():
            try:
                found.update(int(pid) for pid in _read(path / "cgroup.procs").split())
            except (OSError, ValueError):
                pass
        return sorted(found)

    def kill(self) -> None:
        """SIGKILL every process left in the cgroups, until none is left (or 5 s have passed)."""
        deadline = time.monotonic() + 5
        while (pids := self.pids()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        """Kill what is left, and remove the cgroups."""
        self.kill()
        for path in set(self.dirs.values()):
            for _ in range(50):  # a killed process may take a moment to leave its cgroup
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


# --- the sandbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one sandboxed run ended.

    ``started``: bubblewrap set the sandbox up and started the command. ``exit_code``: the
    command's, or 128 + the signal that killed it. ``stopped``: the cap for which the grader
    stopped the sandbox (:data:`STOPPED_PROCESSES`, :data:`STOPPED_CPU`, :data:`STOPPED_WALL`),
    else None. ``result``: the JSON the command wrote to ``/grading/result.json``, or None.
    ``log``: the end of what the sandbox wrote to stderr (bubblewrap's own errors).
    """

    started: bool
    exit_code: int
    stopped: str | None = None
    oom_kills: int = 0
    result: dict | list | None = None
    log: str = ""


@dataclass(frozen=True)
class Sandbox:
    """How every submission of a run is sandboxed: made once by :func:`prepare`, picklable.

    ``mounts`` and ``environment`` are bubblewrap arguments; ``cgroups`` maps the caps held
    by a cgroup to where their cgroups are made.
    """

    bwrap: str
    limits: Limits
    mounts: tuple[str, ...]
    environment: tuple[str, ...]
    cgroups: dict[str, CgroupParent] = field(default_factory=dict)

    def describe(self) -> str:
        """The sandbox and the caps that hold, for people: ``bubblewrap; memory 2G (cgroup)...``"""
        limits = self.limits
        memory = "cgroup" if "memory" in self.cgroups else "RLIMIT_AS, per process"
        tasks = (
            f"{limits.processes} processes and threads (cgroup)"
            if "pids" in self.cgroups
            else "processes not capped (no pids cgroup here)"
        )
        cpu = "RLIMIT_CPU per process" + (
            ", and for the whole submission (cgroup)" if "cpu" in self.cgroups else ""
        )
        return (
            f"bubblewrap; memory {format_size(limits.memory)} ({memory}); {tasks}; "
            f"CPU time {limits.cpu_seconds:g} s ({cpu})"
        )

    def rlimits(self) -> dict[str, list[int]]:
        """The rlimits the command sets on itself (and so on everything it starts)."""
        soft = max(1, math.ceil(self.limits.cpu_seconds))
        limits = {"RLIMIT_CPU": [soft, soft + CPU_HARD_MARGIN], "RLIMIT_CORE": [0, 0]}
        if "memory" not in self.cgroups:
            limits["RLIMIT_AS"] = [self.limits.memory, self.limits.memory]
        return limits

    def command(self, folder: Path, request: dict, status_fd: int) -> list[str]:
        """The bubblewrap command running ``python -m instructor.sandbox REQUEST``.

        bubblewrap writes JSON to ``status_fd`` once the sandbox is set up and its command
        started (``child-pid``).
        """
        etc = folder / "etc"
        return [
            self.bwrap,
            "--json-status-fd",
            str(status_fd),
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--hostname",
            "sandbox",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            *self.mounts,
            "--ro-bind",
            str(etc / "passwd"),
            "/etc/passwd",
            "--ro-bind",
            str(etc / "group"),
            "/etc/group",
            "--bind",
            str(folder / "grading"),
            GRADING_DIR,
            "--remount-ro",  # the root: only /grading, /tmp and /dev/shm are writable
            "/",
            "--clearenv",
            *self.environment,
            "--chdir",
            f"{GRADING_DIR}/work",
            "--",
            sys.executable,
            "-P",  # never import from the working folder the learner's code writes to
            "-m",
            "instructor.sandbox",
            json.dumps({**request, "rlimits": self.rlimits()}),
        ]

    def run(self, folder: Path, request: dict, wall_seconds: float) -> Outcome:
        """Run ``python -m instructor.sandbox REQUEST`` in a sandbox; never raises for its code.

        :meth:`start`, then :meth:`Running.finish` after at most ``wall_seconds``.
        """
        return self.start(folder, request).finish(wall_seconds)

    def start(self, folder: Path, request: dict) -> "Running":
        """Start ``python -m instructor.sandbox REQUEST`` in a sandbox, with its cgroup.

        ``folder`` is a fresh private folder of the grader's; its ``grading`` subfolder (made
        by the caller, with a ``work`` folder in it) becomes the sandbox's writable
        :data:`GRADING_DIR`. Raises SandboxError when a cgroup cannot be made.
        """
        etc = folder / "etc"
        etc.mkdir()
        (etc / "passwd").write_text(PASSWD, encoding="ascii")
        (etc / "group").write_text(GROUP, encoding="ascii")
        try:
            group = Cgroup.create(self.cgroups, self.limits) if self.cgroups else None
        except OSError as error:
            raise SandboxError(f"cannot make the submission's cgroup: {error}") from None
        try:
            return Running(self, folder, group, self._spawn(folder, request, group))
        except BaseException:
            if group is not None:
                group.remove()
            raise

    def _spawn(self, folder: Path, request: dict, group: "Cgroup | None") -> subprocess.Popen:
        status_path, log_path = folder / "bwrap-status.json", folder / "sandbox.log"
        with status_path.open("wb") as status, log_path.open("wb") as log:
            command = self.command(folder, request, status.fileno())
            if group is not None:
                # Joined by a shell that then becomes bubblewrap: nothing of the sandbox ever
                # runs outside its cgroups, and no preexec_fn runs in a threaded grader.
                files = group.procs_files()
                joins = " && ".join(f'echo $$ > "${number}"' for number in range(1, len(files) + 1))
                script = f'{joins} && shift {len(files)} && exec "$@"'
                command = ["/bin/sh", "-c", script, "sh", *files, *command]
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                pass_fds=[status.fileno()],
                start_new_session=True,  # Ctrl-C reaches the grader, which stops the sandbox
            )

    def _watch(
        self, process: subprocess.Popen, group: Cgroup | None, wall_seconds: float
    ) -> str | None:
        """Wait for the sandbox to end; stop it at a cap. Returns the cap that stopped it."""
        deadline = time.monotonic() + wall_seconds
        stopped = None
        while True:
            try:
                process.wait(timeout=POLL_SECONDS)
                return stopped
            except subprocess.TimeoutExpired:
                pass
            if stopped is not None:
                continue
            if group is not None and group.task_limit_hits():
                stopped = STOPPED_PROCESSES
            elif group is not None and (group.cpu_seconds() or 0) > self.limits.cpu_seconds:
                stopped = STOPPED_CPU
            elif time.monotonic() > deadline:
                stopped = STOPPED_WALL
            if stopped is not None:
                # bubblewrap's init process dies with it (--die-with-parent), and with it the
                # whole PID namespace; the cgroup's processes are killed in case it lingers.
                process.kill()
                if group is not None:
                    group.kill()


@dataclass
class Running:
    """A started sandbox (:meth:`Sandbox.start`), until :meth:`finish` or :meth:`stop`."""

    sandbox: Sandbox
    folder: Path
    group: "Cgroup | None"
    process: subprocess.Popen

    def alive(self) -> bool:
        return self.process.poll() is None

    def finish(self, wall_seconds: float) -> Outcome:
        """Wait for the sandbox to end, stopping it after ``wall_seconds`` or at a cap."""
        try:
            stopped = self.sandbox._watch(self.process, self.group, wall_seconds)
        except BaseException:  # KeyboardInterrupt: the grader is being stopped
            self.stop()
            raise
        try:
            started = "child-pid" in (self.folder / "bwrap-status.json").read_text(
                encoding="utf-8", errors="replace"
            )
            code = self.process.returncode
            return Outcome(
                started=started,
                exit_code=code if code >= 0 else 128 - code,
                stopped=stopped,
                oom_kills=self.group.oom_kills() if self.group else 0,
                result=read_result(self.folder / "grading" / RESULT_NAME),
                log=_tail(self.folder / "sandbox.log"),
            )
        finally:
            self._remove_group()

    def stop(self) -> None:
        """Kill the sandbox and everything in it, and remove its cgroup."""
        self.process.kill()
        self.process.wait()
        if self.group is not None:
            self.group.kill()
        self._remove_group()

    def _remove_group(self) -> None:
        if self.group is not None:
            self.group.remove()
            self.group = None


class WarmSandbox:
    """A sandbox started before its notebook is known: Python, nbclient and a kernel, ready.

    Starting a sandbox and its kernel takes one to two seconds, mostly waiting rather than
    computing; a grader keeps one warm sandbox ahead (:class:`Spares`), so that this happens
    while the previous notebook runs. The sandbox reads its request from a FIFO in its
    private folder (see :func:`instructor.runner.run_request`) when :meth:`run` writes it.
    Use it as a context manager: leaving stops it and removes its folder.
    """

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.tmp = tempfile.TemporaryDirectory(prefix="nnlib-grade-", ignore_cleanup_errors=True)
        self.folder = Path(self.tmp.name)
        (self.folder / "grading" / "work").mkdir(parents=True)
        os.mkfifo(self.folder / "grading" / READY_NAME)
        try:
            self.running = sandbox.start(self.folder, {"ready": f"{GRADING_DIR}/{READY_NAME}"})
        except BaseException:
            self.tmp.cleanup()
            raise

    @property
    def private(self) -> Path:
        """The grader's path to the sandbox's :data:`GRADING_DIR`."""
        return self.folder / "grading"

    def run(self, request: dict, wall_seconds: float) -> Outcome:
        """Hand ``request`` to the waiting sandbox, then :meth:`Running.finish`."""
        if self._hand_over(request):
            return self.running.finish(wall_seconds)
        return self.running.finish(0)

    def _hand_over(self, request: dict) -> bool:
        """Write ``request`` into the FIFO once the sandbox reads it; False if it ended first."""
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                fd = os.open(self.private / READY_NAME, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as error:  # ENXIO: nobody reads it yet
                if error.errno != errno.ENXIO:
                    raise
            if not self.running.alive() or time.monotonic() > deadline:
                return False
            time.sleep(POLL_SECONDS / 10)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w", encoding="utf-8") as fifo:
            fifo.write(json.dumps(request))
        return True

    def close(self) -> None:
        if self.running.alive():
            self.running.stop()
        self.running._remove_group()
        self.tmp.cleanup()

    def __enter__(self) -> "WarmSandbox":
        return self

    def __exit__(self, *exception) -> None:
        self.close()


class Spares:
    """One :class:`WarmSandbox` kept ahead for the next notebook of a grading process."""

    def __init__(self, sandbox: Sandbox):
        self.sandbox = sandbox
        self.next: WarmSandbox | None = None

    def take(self) -> WarmSandbox:
        """A started sandbox for this notebook; the next one starts meanwhile."""
        box = self.next if self.next is not None else WarmSandbox(self.sandbox)
        try:
            self.next = WarmSandbox(self.sandbox)
        except SandboxError:  # the next notebook will say why, starting its own
            self.next = None
        return box

    def close(self) -> None:
        if self.next is not None:
            self.next.close()
            self.next = None


def read_result(path: Path) -> dict | list | None:
    """The JSON at ``path``, written by the sandbox's code: None when missing or unreadable.

    The code in the sandbox may have put a symlink (to a file of the grader's machine) or a
    FIFO there: it is opened without following links and read only if it is a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESULT_BYTES:
            return None
        try:
            return json.loads(file.read(MAX_RESULT_BYTES).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


def _tail(path: Path, size: int = 2000) -> str:
    try:
        with path.open("rb") as file:
            file.seek(max(path.stat().st_size - size, 0))
            return file.read().decode("utf-8", errors="replace").strip()
    except OSError:
        return ""


# --- what the sandbox holds -------------------------------------------------------------------


def needed_paths(data: Path | None) -> list[Path]:
    """What the code in the sandbox reads: Python, the environment, nnlib, the grader's
    kernel-side modules (``instructor``, its rubrics masked: see :func:`rubric_paths`), the data.
    """
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    paths.append(os.path.dirname(os.path.realpath(sys.executable)))
    paths.extend(package_folders())
    if data is not None:
        paths.append(data)
    found = []
    for path in paths:
        real = Path(os.path.realpath(path))
        if real.exists() and real not in found:
            found.append(real)
    return found


def package_folders() -> list[str]:
    """The folders of the packages the sandbox imports: ``instructor`` and ``nnlib``."""
    folders = []
    for name in ("instructor", "nnlib"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            folders.extend(os.path.realpath(path) for path in spec.submodule_search_locations)
    return folders


def rubric_paths() -> list[Path]:
    """Where the rubrics' sources are, to mask: their hidden checks never reach the learner.

    The folder of each rubric module (``instructor/chapters``, a registered package's folder),
    or the module's file alone when its folder holds other things the sandbox needs.
    """
    paths = []
    for module in rubric_modules().values():
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            continue
        origin = Path(os.path.realpath(spec.origin))
        folder = origin.parent
        needed = needed_paths(None)
        shared = folder.name in ("site-packages", "dist-packages") or any(
            folder == path or folder in path.parents for path in needed
        )
        for path in (origin,) if shared else (folder,):
            if path not in paths:
                paths.append(path)
    return paths


def fashion_mnist_folder() -> Path | None:
    """The folder Fashion-MNIST is found in, if any (its search uses the grader's HOME)."""
    from nnlib.datasets import DatasetError, find_fashion_mnist  # numpy: the grader's side only

    try:
        return Path(find_fashion_mnist()).resolve()
    except (DatasetError, OSError):
        return None


def mount_arguments(needed: list[Path], hidden: list[Path], tmp_size: int) -> list[str]:
    """bubblewrap's mounts: the system, ``needed`` read-only, and ``hidden`` masked.

    A hidden folder is masked by an empty, read-only tmpfs where something bound would show
    it, and only there: not within another mask, where its mount point would give its name
    away. Mounts go from shallow to deep, so a needed path within a masked folder is bound
    again on top. The private ``/tmp`` and ``/dev/shm`` hold at most ``tmp_size`` bytes each.
    """
    arguments = []
    layers: list[tuple[Path, str]] = []  # (where, "bind" or "mask"), in mount order
    for path in SYSTEM_DIRS + tuple(f"/etc/{name}" for name in ETC_ENTRIES):
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            arguments += ["--ro-bind", path, path]
            layers.append((Path(path), "bind"))
    arguments += ["--proc", "/proc", "--dev", "/dev"]
    for path in ("/dev/shm", "/tmp"):
        arguments += ["--size", str(tmp_size), "--tmpfs", path]
    layers.append((Path("/tmp"), "mask"))

    def cover(path: Path) -> str | None:
        """What shows ``path`` so far: the deepest mount holding it, the last one if equal."""
        holders = [
            (len(where.parts), order, kind)
            for order, (where, kind) in enumerate(layers)
            if where == path or where in path.parents
        ]
        return max(holders)[2] if holders else None

    wanted = [(path, "bind") for path in needed] + [(path, "mask") for path in hidden]
    for path, kind in sorted(wanted, key=lambda item: (len(item[0].parts), item[1], item[0])):
        shown = cover(path) == "bind"
        if kind == "bind" and not shown:
            arguments += ["--ro-bind", str(path), str(path)]
        elif kind == "mask" and shown and path.is_dir():  # a mount point cannot be made
            arguments += ["--tmpfs", str(path)]
        elif kind == "mask" and shown and path.is_file():
            arguments += ["--ro-bind", "/dev/null", str(path)]
            continue
        else:
            continue
        layers.append((path, kind))
    # Read-only once the binds within them have their mount points.
    for path, kind in layers:
        if kind == "mask" and path != Path("/tmp"):
            arguments += ["--remount-ro", str(path)]
    return arguments


def environment_arguments(data: Path | None) -> list[str]:
    """``--setenv`` arguments: the whitelisted variables, and the sandbox's own."""
    variables = {
        name: value
        for name, value in os.environ.items()
        if (name in PASSED_VARIABLES or name.startswith(PASSED_PREFIXES))
        and name not in WITHHELD_VARIABLES
    }
    bin_dir = os.path.dirname(sys.executable)
    # Where nnlib and instructor are imported from when no .pth file says it (a Gradescope
    # bundle): only these two packages are mounted there, so nothing else shows.
    homes = dict.fromkeys(os.path.dirname(folder) for folder in package_folders())
    if homes:
        variables["PYTHONPATH"] = os.pathsep.join(homes)
    variables.update(
        HOME="/tmp",
        TMPDIR="/tmp",
        PATH=os.pathsep.join([bin_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
    )
    if data is not None:
        variables["NNLIB_DATA"] = str(data)
    arguments = []
    for name, value in sorted(variables.items()):
        arguments += ["--setenv", name, value]
    return arguments


def find_bwrap() -> str | None:
    return shutil.which(BWRAP)


def prepare(limits: Limits, hidden: list[str | Path]) -> Sandbox:
    """The sandbox of a run, checked by starting one; raises SandboxError when none can be made.

    ``hidden``: the paths the sandbox must not show (the submissions, the folders given on the
    command line, the output folder); for a file, its whole folder is hidden. The rubrics'
    sources are masked too (:func:`rubric_paths`).
    """
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxError(f"bubblewrap (bwrap) is not installed: {HOW_TO_GET_IT}")
    folders = []
    for path in hidden:
        real = Path(os.path.realpath(path))
        folder = real.parent if real.is_file() else real
        if folder not in folders:
            folders.append(folder)
    data = fashion_mnist_folder()
    sandbox = Sandbox(
        bwrap=bwrap,
        limits=limits,
        mounts=tuple(mount_arguments(needed_paths(data), folders + rubric_paths(), limits.memory)),
        environment=tuple(environment_arguments(data)),
        cgroups=find_cgroup_parents(limits),
    )
    check(sandbox)
    return sandbox


def check(sandbox: Sandbox) -> None:
    """Start a sandbox that imports what grading needs; raise SandboxError if that fails."""
    try:
        with tempfile.TemporaryDirectory(prefix="nnlib-sandbox-check-") as tmp:
            folder = Path(tmp)
            (folder / "grading" / "work").mkdir(parents=True)
            outcome = sandbox.run(folder, {"check": True}, wall_seconds=60)
    except (SandboxError, OSError) as error:
        raise SandboxError(f"cannot start a sandbox: {error}\n{HOW_TO_GET_IT}") from None
    if outcome.result != {"check": "ok"}:
        problem = outcome.log or f"it exited with status {outcome.exit_code}"
        raise SandboxError(f"the bubblewrap sandbox does not work here: {problem}\n{HOW_TO_GET_IT}")


# --- inside the sandbox ------------------------------------------------------------------------


def set_rlimits(limits: dict[str, list[int]]) -> None:
    """Set each ``RLIMIT_*: [soft, hard]``; with no capabilities, nothing can raise them again."""
    for name, (soft, hard) in limits.items():
        resource.setrlimit(getattr(resource, name), (soft, hard))


def main(argv: list[str] | None = None) -> int:
    """``python -m instructor.sandbox REQUEST``: what runs inside the sandbox.

    REQUEST is JSON: ``rlimits`` to set first, then either ``check`` (import what grading
    needs, for :func:`check`) or a notebook to run (see :func:`instructor.runner.run_request`).
    The result is written as JSON to ``/grading/result.json``.
    """
    request = json.loads((argv if argv is not None else sys.argv[1:])[0])
    set_rlimits(request.get("rlimits", {}))
    # nbformat's validator imports jsonschema, whose optional IRI format checker builds a
    # grammar for 0.65 s at import (rfc3987_syntax); notebooks never use it, and every
    # sandbox would pay it: a quarter of the time of grading a short notebook.
    sys.modules.setdefault("rfc3987_syntax", None)
    from instructor import runner  # after the line above

    result_path = Path(GRADING_DIR, RESULT_NAME)
    if request.get("check"):
        import nnlib  # noqa: F401 (proves it can be imported)

        runner.write_json({"check": "ok"}, result_path)
        return 0
    return runner.run_request(request, result_path)


if __name__ == "__main__":
    sys.exit(main())
