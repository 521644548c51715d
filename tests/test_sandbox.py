"""Tests of the sandbox every submission runs in (instructor/sandbox.py).

One class of hostile notebooks is graded in one ``nnlib grade --jobs 2`` call with small caps:
each notebook is chapter 1's solution plus one hostile cell (killers, a memory hog, a fork
bomb, a CPU burner, a vandal, a prober, a snoop, a sleeper, a network client), next to
untouched ones, and every case is checked. The class folder lies within a folder on
PYTHONPATH, which the sandbox shows (read-only): it must still mask the class. Then grading
without bubblewrap (it refuses, or runs with --no-sandbox and says so), without cgroups (the
rlimits), and the sandbox's parts without kernels.
"""

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from instructor import runner, sandbox
from instructor.rubric import load_exercises
from tests.test_grading import read_csv, run_grade

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "01_dense_layer"
SOLUTION = ROOT / "solutions" / f"{CHAPTER}.ipynb"
EXERCISE = ROOT / "exercises" / f"{CHAPTER}.ipynb"
# Caps small enough for the hostile cells to hit them fast; an honest chapter 1 needs about
# 150 MB, 21 processes and threads and 1.5 s of CPU time.
CAPS = ["--memory", "1G", "--processes", "64", "--cpu-time", "6", "--timeout", "30"]
MARKER = f"nnlib-sandbox-test-{uuid.uuid4().hex}"
SECRET = f"VICTIM-SECRET-{uuid.uuid4().hex}"

pytestmark = pytest.mark.slow


def notebook_plus(base: Path, *cells: str) -> bytes:
    """``base`` with code cells appended, as notebook bytes."""
    notebook = nbformat.read(base, as_version=4)
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    return nbformat.writes(notebook).encode("utf-8")


@dataclass
class Paths:
    """Where a class lies, and the files its hostile cells go after."""

    root: Path  # on PYTHONPATH: bound read-only in the sandbox
    course: Path  # the class folder given to nnlib grade, within root
    out: Path
    next_to_class: Path  # a canary next to the class folder
    in_tmp: Path  # a canary in the real /tmp
    created: list  # files a cell tries to create by absolute path


def hostile_cells(paths: Paths) -> dict[str, str]:
    """{student: hostile cell}."""
    victim = paths.course / "victim" / f"{CHAPTER}.ipynb"
    creations = [str(path) for path in paths.created]
    return {
        "kills_parent": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        "kills_pid_1": "import os, signal, time\nos.kill(1, signal.SIGKILL)\ntime.sleep(1)",
        "kills_group": "import os, signal\nos.killpg(os.getpgid(os.getppid()), signal.SIGKILL)",
        "kills_all": "import os, signal\nos.kill(-1, signal.SIGKILL)",
        "memory_hog": (
            "import numpy as np\n"
            "blocks = [np.ones(2**27) for _ in range(64)]  # 8 GiB, every page touched"
        ),
        "fork_bomb": "import os\nwhile True:\n    os.fork()",
        "cpu_burner": "while True:\n    pass",
        "vandal": (
            "import os\n"
            f"for path in [{str(paths.next_to_class)!r}, {str(paths.in_tmp)!r}]:\n"
            "    try:\n"
            "        os.remove(path)\n"
            "    except OSError:\n"
            "        pass\n"
            f"for path in {creations!r}:\n"
            "    try:\n"
            "        with open(path, 'w') as file:\n"
            "            file.write('vandal')\n"
            "    except OSError:\n"
            "        pass"
        ),
        "prober": (
            "import os\n"
            "wrote = []\n"
            f"for folder in ['/', '/usr', '/etc', {str(paths.root)!r}, {str(paths.course)!r}, "
            "os.path.dirname(os.__file__), '/tmp', '/dev/shm', '.']:\n"
            "    try:\n"
            "        with open(os.path.join(folder, 'probe.txt'), 'w') as file:\n"
            "            file.write('probe')\n"
            "        wrote.append(folder)\n"
            "    except OSError:\n"
            "        pass\n"
            "raise RuntimeError(f'wrote to {wrote}')"
        ),
        "snoop": (
            "import os\n"
            f"seen = os.listdir({str(paths.course)!r}) + os.listdir({str(paths.out)!r})\n"
            "try:\n"
            f"    text = open({str(victim)!r}).read()\n"
            "except OSError as error:\n"
            "    raise RuntimeError(f'saw {seen}, cannot read: {error}')\n"
            "raise RuntimeError(text[text.find('VICTIM'):][:80])"
        ),
        "sleeper": (
            "import os, subprocess, sys\n"
            f"command = [sys.executable, '-c', 'import time; time.sleep(600)', {MARKER!r}]\n"
            "subprocess.Popen(command, start_new_session=True)\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            "        os.execv(sys.executable, command)\n"
            "    os._exit(0)\n"
            "os.wait()"
        ),
        "network": (
            "import socket\n"
            "socket.create_connection(('192.0.2.1', 9), timeout=5)  # TEST-NET-1: no one's"
        ),
    }


# Patches every grading function the kernel can reach, and forges the result files: none of it
# may change a grade, since the checks, the expected values and the points live in the grader.
FORGE_GRADING = """
import json, sys, types
import numpy as np
import nnlib.checks as checks
import nnlib.checks.verdict as verdict
import instructor.observer as observer

FULL = verdict.CheckResult("forged", verdict.PASSED, ("forged",))
for module in (checks, verdict):
    for name in dir(module):
        if name.startswith("check_"):
            setattr(module, name, lambda *args, **kwargs: FULL)
verdict.run_steps = lambda name, steps: FULL
verdict.CheckResult.passed = property(lambda self: True)
np.allclose = np.isclose = np.array_equal = lambda *args, **kwargs: True
sys.modules["instructor.rubric"] = types.SimpleNamespace(
    grade_to_file=lambda *args: None, limit_output=lambda *args: None
)
forged = {"status": "graded", "reason": "", "errors": [],
          "grades": [{"exercise": key, "points": 99} for key in ("1.1", "1.2", "1.3")]}
for path in ("/grading/result.json", "/grading/grades.json"):
    with open(path, "w") as file:
        json.dump(forged, file)
observer.describe = lambda error: {"type": "Exception", "text": "", "unfinished": None}
"""
# Rewrites the observer itself: hands out nnlib's own classes for the learner's names, and
# switches off the watch on nnlib's code.
FORGE_ANSWERS = """
import nnlib.book
import instructor.observer as observer

real_answer = observer.Server.answer

def forged_answer(self, header, arrays):
    if header.get("op") == "lookup" and hasattr(nnlib.book, header["name"]):
        self.namespace[header["name"]] = getattr(nnlib.book, header["name"])
    self.watched = {}
    return real_answer(self, header, arrays)

observer.Server.answer = forged_answer
observer.Server.watch = lambda self, names: []
"""
NO_SERVE = "import instructor.observer as observer\nobserver.serve = lambda *args: None"
# Each of chapter 1's classes handing its graded method to nnlib's own, three ways.
DELEGATIONS = {
    "1.1": (
        "import nnlib.book\n"
        "class Layer_Dense(nnlib.book.Layer_Dense):\n"
        "    def forward(self, inputs):\n"
        "        return super().forward(inputs)"
    ),
    "1.2": (
        "import nnlib.activations\n"
        "class Activation_ReLU:\n"
        "    def forward(self, inputs):\n"
        "        return nnlib.activations.ReLU.forward(self, inputs)"
    ),
    "1.3": (
        "import nnlib.activations\n"
        "class Activation_Softmax:\n"
        "    forward = nnlib.activations.Softmax.forward"
    ),
}
REFERENCES = {
    "1.1": "nnlib.layers.Dense",
    "1.2": "nnlib.activations.ReLU.forward",
    "1.3": "nnlib.activations.Softmax.forward",
}
# Looks for the rubric (its hidden checks) from inside the sandbox.
PEEK = """
import os, instructor
folder = os.path.join(os.path.dirname(instructor.__file__), "chapters")
try:
    found = sorted(os.listdir(folder))
    text = open(os.path.join(folder, "ch01_dense_layer.py")).read()
except OSError as error:
    found, text = [], str(error)
raise RuntimeError(f"rubric folder holds {found}: {text[:300]}")
"""


def forgeries() -> dict[str, tuple[Path, list[str], dict[str, int] | None]]:
    """{student: (base notebook, cells added, points by exercise; None: full marks)}."""
    full = {exercise.key: exercise.max_points for exercise in load_exercises(CHAPTER)}
    zero = dict.fromkeys(full, 0)
    return {
        "forger": (EXERCISE, [FORGE_GRADING], zero),
        "forger_honest": (SOLUTION, [FORGE_GRADING], None),
        "impostor": (EXERCISE, [FORGE_ANSWERS], zero),
        "silent": (EXERCISE, [NO_SERVE], zero),
        "delegator": (
            SOLUTION,
            list(DELEGATIONS.values()),
            {**full, **dict.fromkeys(DELEGATIONS, 0)},
        ),
        "peeker": (SOLUTION, [PEEK], None),
    }


def expected_status() -> dict[str, str]:
    """{student: status} of every case; the others are graded with full marks."""
    return {
        "kills_parent": "kernel-died",
        "kills_group": "kernel-died",
        "kills_all": "kernel-died",
        "memory_hog": "memory-limit",
        "fork_bomb": "process-limit",
        "cpu_burner": "cpu-limit",
    }


def processes_with(marker: str) -> list[int]:
    """The pids of the processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


@dataclass
class Graded:
    code: int
    table: str
    paths: Paths
    summary: dict
    grades: dict


def read_results(out: Path) -> tuple[dict, dict]:
    """({student: summary row}, {student: {exercise: grades row}})."""
    _, summary = read_csv(out / "summary.csv")
    _, grades = read_csv(out / "grades.csv")
    rows = {}
    for row in grades:
        rows.setdefault(Path(row["submission"]).parent.name, {})[row["exercise"]] = row
    return {row["student"]: row for row in summary}, rows


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The hostile class graded once, with --jobs 2 and small caps."""
    root = tmp_path_factory.mktemp("sandboxed")
    course = root / "class"
    paths = Paths(
        root=root,
        course=course,
        out=root / "out",
        next_to_class=root / "canary.txt",
        in_tmp=Path("/tmp", f"{MARKER}-canary.txt"),
        created=[
            root / f"{MARKER}-created.txt",
            Path("/tmp", f"{MARKER}-created.txt"),
            ROOT / "nnlib" / f"{MARKER}-created.txt",
            Path.home() / f"{MARKER}-created.txt",
        ],
    )
    paths.next_to_class.write_text("canary")
    paths.in_tmp.write_text("canary")
    students = {"honest": SOLUTION.read_bytes(), "untouched": EXERCISE.read_bytes()}
    students["victim"] = notebook_plus(SOLUTION, f"# {SECRET}")
    students.update(
        {student: notebook_plus(SOLUTION, cell) for student, cell in hostile_cells(paths).items()}
    )
    students.update(
        {student: notebook_plus(base, *cells) for student, (base, cells, _) in forgeries().items()}
    )
    for student, content in students.items():
        (course / student).mkdir(parents=True)
        (course / student / f"{CHAPTER}.ipynb").write_bytes(content)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
        )
        patch.delenv("NNLIB_RUBRIC_MODULES", raising=False)
        code, table = run_grade("--out", paths.out, "--jobs", "2", *CAPS, course)
    yield Graded(code, table, paths, *read_results(paths.out))
    for path in [paths.in_tmp, *paths.created]:
        path.unlink(missing_ok=True)
    for pid in processes_with(MARKER):
        os.kill(pid, 9)


def test_the_class_is_graded_with_exit_0(graded):
    assert graded.code == 0
    assert set(graded.summary) == {
        "honest",
        "untouched",
        "victim",
        *hostile_cells(graded.paths),
        *forgeries(),
    }
    assert "NOT SANDBOXED" not in graded.table


@pytest.mark.parametrize(
    "student",
    ["honest", "victim", "kills_pid_1", "vandal", "prober", "snoop", "sleeper", "network"],
)
def test_who_stays_within_the_caps_gets_full_marks(graded, student):
    assert graded.summary[student]["status"] == "graded"
    assert graded.summary[student]["sandbox"] == "bubblewrap"
    for exercise, row in graded.grades[student].items():
        if not exercise.startswith("Q"):  # written answers are marked by a person
            assert row["points"] == row["max_points"], (exercise, row["feedback"])


def test_the_untouched_exercise_gets_zero(graded):
    assert graded.summary["untouched"]["status"] == "graded"
    assert all(row["points"] in ("0", "") for row in graded.grades["untouched"].values())


@pytest.mark.parametrize("student", sorted(expected_status()))
def test_who_breaks_out_is_stopped_with_the_reason(graded, student):
    status = expected_status()[student]
    assert graded.summary[student]["status"] == status
    report = (graded.paths.out / graded.summary[student]["report"]).read_text()
    reasons = {
        "kernel-died": "killed by SIGKILL",
        "memory-limit": "more than 1G of memory (the --memory cap)",
        "process-limit": "over 64 processes and threads at once (the --processes cap)",
        "cpu-limit": "6 s of CPU time (the --cpu-time cap)",
    }
    assert f"- Status: {status} (" in report and reasons[status] in report


def test_files_outside_the_working_folder_are_untouched(graded):
    assert graded.paths.next_to_class.read_text() == "canary"
    assert graded.paths.in_tmp.read_text() == "canary"
    assert [path for path in graded.paths.created if path.exists()] == []


def test_only_the_working_folder_and_tmp_are_writable(graded):
    report = (graded.paths.out / graded.summary["prober"]["report"]).read_text()
    assert "RuntimeError: wrote to ['/tmp', '/dev/shm', '.']" in report


def test_another_students_notebook_cannot_be_read(graded):
    report = (graded.paths.out / graded.summary["snoop"]["report"]).read_text()
    # The class folder is not in the sandbox at all (or only as an empty mask).
    assert "No such file or directory" in report and "VICTIM" not in report
    assert SECRET not in report
    assert SECRET not in (graded.paths.out / "grades.csv").read_text()


@pytest.mark.parametrize("student", sorted(forgeries()))
def test_a_forged_grade_gets_exactly_what_the_real_code_earns(graded, student):
    _, _, points = forgeries()[student]
    rows = {key: row for key, row in graded.grades[student].items() if not key.startswith("Q")}
    expected = points or {key: int(row["max_points"]) for key, row in rows.items()}
    assert {key: float(row["points"]) for key, row in rows.items()} == expected


def test_a_silenced_kernel_is_not_graded(graded):
    assert graded.summary["silent"]["status"] == "not-graded"
    assert "never answered the grader" in graded.grades["silent"]["1.1"]["feedback"]


def test_an_impostor_handing_out_nnlibs_classes_is_refused(graded):
    for key in ("1.1", "1.2", "1.3"):
        assert "is nnlib's own, not yours" in graded.grades["impostor"][key]["feedback"]


@pytest.mark.parametrize("exercise", sorted(DELEGATIONS))
def test_delegation_to_nnlib_gets_zero_and_says_why(graded, exercise):
    feedback = graded.grades["delegator"][exercise]["feedback"]
    assert "hands this exercise's work to nnlib's own" in feedback
    assert REFERENCES[exercise] in feedback


def test_the_rubric_is_not_in_the_sandbox(graded):
    report = (graded.paths.out / graded.summary["peeker"]["report"]).read_text()
    assert "RuntimeError: rubric folder holds []: [Errno 2] No such file or directory" in report
    rubric = (ROOT / "instructor" / "chapters" / "ch01_dense_layer.py").read_text()
    assert "ODD_DENSE_SHAPES" in rubric and "ODD_DENSE_SHAPES" not in report
    for student in graded.summary:
        feedback = (graded.paths.out / graded.summary[student]["report"]).read_text()
        assert "check_softmax_extremes" not in feedback and "HIDDEN_SEEDS" not in feedback


def test_no_process_outlives_grading(graded):
    assert processes_with(MARKER) == []


def test_there_is_no_network(graded):
    report = (graded.paths.out / graded.summary["network"]["report"]).read_text()
    assert "OSError: [Errno 101] Network is unreachable" in report


def test_no_cgroup_is_left(graded):
    """Every cgroup made by a grader that has ended (its pid is in the name) is gone."""
    candidates = sandbox.cgroup_candidates(
        Path("/proc/self/mountinfo").read_text(), Path("/proc/self/cgroup").read_text()
    )
    left = [
        path
        for candidate in candidates
        for path in Path(candidate.path).glob(f"{sandbox.CGROUP_PREFIX}*")
        if not Path("/proc", path.name.split("-")[2]).exists()
    ]
    assert left == []


def test_a_warm_sandbox_waits_ahead_and_is_stopped_after(tmp_path):
    spares = sandbox.Spares(sandbox.prepare(sandbox.Limits(1 << 30, 64, 60), [tmp_path]))
    first = spares.take()
    second = spares.next
    assert first.running.alive() and second.running.alive() and first is not second
    with first:
        outcome = first.run({"notebook": "/grading/work/none.ipynb"}, 60)
    # No such notebook: the grader's own failure, said in the result.
    assert outcome.result == {
        "error": "FileNotFoundError: [Errno 2] No such file or directory: "
        "'/grading/work/none.ipynb'"
    }
    spares.close()
    assert not first.running.alive() and not second.running.alive()
    assert not first.folder.exists() and not second.folder.exists()


def test_a_warm_sandbox_that_ended_is_not_waited_for(tmp_path):
    box = sandbox.WarmSandbox(sandbox.prepare(sandbox.Limits(1 << 30, 64, 60), [tmp_path]))
    box.running.stop()
    start = time.monotonic()
    with box:
        outcome = box.run({"notebook": "/grading/work/none.ipynb"}, 60)
    assert time.monotonic() - start < 5
    assert (outcome.exit_code, outcome.result) == (128 + 9, None)  # killed, never ran


# --- without bubblewrap, without cgroups -----------------------------------------------------


@pytest.fixture
def one_notebook(tmp_path):
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / f"{CHAPTER}.ipynb").write_bytes(SOLUTION.read_bytes())
    return tmp_path


def test_without_bubblewrap_grading_refuses(one_notebook, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(one_notebook / "no-bin"))
    code, _ = run_grade("--out", one_notebook / "out", one_notebook / "ann")
    assert code == 2
    error = capsys.readouterr().err
    assert "bubblewrap (bwrap) is not installed" in error
    assert "apt-get install bubblewrap" in error and "--no-sandbox" in error
    assert not (one_notebook / "out" / "grades.csv").exists()


def test_a_bubblewrap_that_cannot_start_is_refused(one_notebook, monkeypatch, capsys):
    fake = one_notebook / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    code, _ = run_grade("--out", one_notebook / "out", one_notebook / "ann")
    assert code == 2
    error = capsys.readouterr().err
    assert "does not work here: bwrap: No permissions to create new namespace" in error
    assert "apt-get install bubblewrap" in error and "--no-sandbox" in error


def test_no_sandbox_grades_and_says_so(one_notebook, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(one_notebook / "no-bin"))
    code, table = run_grade("--out", one_notebook / "out", "--no-sandbox", one_notebook / "ann")
    assert code == 0
    assert "NOT SANDBOXED: 1 notebook(s) graded with --no-sandbox" in table
    assert "sandbox: none: graded with --no-sandbox" in capsys.readouterr().err
    summary, _ = read_results(one_notebook / "out")
    assert (summary["ann"]["status"], summary["ann"]["sandbox"]) == ("graded", "none")
    report = (one_notebook / "out" / summary["ann"]["report"]).read_text()
    assert "- Sandbox: none: graded with --no-sandbox, the notebook's code ran unconfined" in report


def test_without_cgroups_the_rlimits_hold(tmp_path, monkeypatch):
    """RLIMIT_CPU stops a CPU burner (SIGXCPU); RLIMIT_AS makes a hog's allocation fail."""
    cells = {
        "cpu_burner": "while True:\n    pass",
        "memory_hog": "import numpy as np\nnp.ones(2**30)",
    }
    for student, cell in cells.items():
        (tmp_path / student).mkdir()
        (tmp_path / student / f"{CHAPTER}.ipynb").write_bytes(notebook_plus(SOLUTION, cell))
    monkeypatch.setattr(sandbox, "find_cgroup_parents", lambda limits: {})
    code, _ = run_grade("--out", tmp_path / "out", "--jobs", "2", *CAPS, tmp_path)
    assert code == 0
    summary, _ = read_results(tmp_path / "out")
    burner = (tmp_path / "out" / summary["cpu_burner"]["report"]).read_text()
    assert summary["cpu_burner"]["status"] == "cpu-limit"
    assert "used up its 6 s of CPU time (the --cpu-time cap) in cell" in burner
    assert "memory 1G (RLIMIT_AS, per process); processes not capped" in burner
    hog = (tmp_path / "out" / summary["memory_hog"]["report"]).read_text()
    assert summary["memory_hog"]["status"] == "graded"
    assert "MemoryError: Unable to allocate 8.00 GiB" in hog


# --- the sandbox's parts, without kernels ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"), [("2G", 2 << 30), ("512m", 512 << 20), ("1.5GiB", 3 << 29), ("1000", 1000)]
)
def test_sizes_are_read_in_powers_of_1024(text, size):
    assert sandbox.parse_size(text) == size
    assert sandbox.parse_size(sandbox.format_size(size)) == size


@pytest.mark.parametrize("text", ["lots", "0", "-1G", "2X"])
def test_a_bad_memory_size_is_refused(text, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_grade("--memory", text, "x.ipynb")
    assert exit_info.value.code == 2
    assert "argument --memory" in capsys.readouterr().err


MOUNTINFO = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
33 31 0:30 / /sys/fs/cgroup/cpu\\040acct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 /outer /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
PROC_CGROUP = "8:pids:/elsewhere\n4:memory:/grader\n2:cpuacct:/\n0::/user/grader\n"


def test_cgroups_go_under_the_graders_own():
    found = {
        (parent.kind, parent.version, parent.path)
        for parent in sandbox.cgroup_candidates(MOUNTINFO, PROC_CGROUP)
    }
    assert found == {
        ("memory", 2, "/sys/fs/cgroup/unified/user/grader"),
        ("pids", 2, "/sys/fs/cgroup/unified/user/grader"),
        ("cpu", 2, "/sys/fs/cgroup/unified/user/grader"),
        ("memory", 1, "/sys/fs/cgroup/memory/grader"),
        ("cpu", 1, "/sys/fs/cgroup/cpu acct"),
        # pids: the mount shows /outer only, and the grader is in /elsewhere: not usable
    }
    assert sandbox.cgroup_candidates(MOUNTINFO, PROC_CGROUP)[0].version == 2


def test_classes_are_masked_where_bound_and_nowhere_else(tmp_path):
    for folder in ["class/ann", "class/bob", "class/lib", "out"]:
        (tmp_path / folder).mkdir(parents=True)
    needed = [tmp_path, tmp_path / "class" / "lib", Path("/usr/share")]
    hidden = [tmp_path / "class", tmp_path / "class" / "ann", tmp_path / "out", ROOT / "x"]
    arguments = sandbox.mount_arguments(needed, hidden, 1000)
    mounts = arguments[arguments.index("/tmp") + 1 :]  # after the system's and the private /tmp
    assert arguments[arguments.index("/tmp") - 3 : arguments.index("/tmp")] == [
        *["--size", "1000", "--tmpfs"]
    ]
    assert mounts == [
        *["--ro-bind", str(tmp_path), str(tmp_path)],
        *["--tmpfs", str(tmp_path / "class")],  # not ann and bob within: their names would show
        *["--tmpfs", str(tmp_path / "out")],
        *["--ro-bind", str(tmp_path / "class" / "lib"), str(tmp_path / "class" / "lib")],
        *["--remount-ro", str(tmp_path / "class"), "--remount-ro", str(tmp_path / "out")],
    ]  # /usr/share is within /usr, bound already; the repository is not bound at all


def test_the_environment_is_whitelisted(monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("NNLIB_RUBRIC_MODULES", "99_toy=toy.ch99_toy")
    arguments = sandbox.environment_arguments(Path("/data"))
    variables = dict(zip(arguments[1::3], arguments[2::3], strict=True))
    assert "hunter2" not in arguments and "AWS_SECRET_ACCESS_KEY" not in variables
    assert variables["NNLIB_DATA"] == "/data"
    assert variables["HOME"] == variables["TMPDIR"] == "/tmp"
    # Where the rubrics are is the grader's business: the kernel imports none of them. Its
    # PYTHONPATH holds the folders nnlib and instructor are in (bound there alone), no other.
    assert "NNLIB_RUBRIC_MODULES" not in variables and "/somewhere" not in arguments
    assert variables["PYTHONPATH"] == str(ROOT)


def test_a_result_is_read_only_from_a_regular_file(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"status": "the grader\'s own file"}')
    (tmp_path / "link.json").symlink_to(secret)
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "huge.json").write_bytes(b" " * (sandbox.MAX_RESULT_BYTES + 1))
    (tmp_path / "broken.json").write_text("{")
    for name in ["link.json", "fifo.json", "huge.json", "broken.json", "missing.json"]:
        assert sandbox.read_result(tmp_path / name) is None
    assert sandbox.read_result(secret) == {"status": "the grader's own file"}


def test_executions_travel_as_checked_json():
    execution = runner.Execution("graded", "", [runner.CellError(3, "ValueError: x")])
    assert runner.Execution.from_json(json.loads(json.dumps(execution.to_json()))) == execution
    for data in [
        None,
        [],
        {**execution.to_json(), "status": "full-marks"},
        {**execution.to_json(), "errors": [["three", "x"]]},
        {**execution.to_json(), "reason": ["all"]},
    ]:
        with pytest.raises(ValueError, match="not an execution"):
            runner.Execution.from_json(data)


LIMITS = sandbox.Limits(1 << 30, 64, 6)
GRADED = runner.Execution("graded").to_json()


@pytest.mark.parametrize(
    ("outcome", "status", "reason"),
    [
        (sandbox.Outcome(True, 0, result=GRADED), "graded", ""),
        (sandbox.Outcome(True, 137, "processes"), "process-limit", "over 64 processes"),
        (sandbox.Outcome(True, 137, "cpu"), "cpu-limit", "more than 6 s of CPU time"),
        (sandbox.Outcome(True, 137, "wall"), "timeout", "did not end in time"),
        (sandbox.Outcome(True, 137, oom_kills=1), "memory-limit", "more than 1G of memory"),
        (
            sandbox.Outcome(True, 0, oom_kills=1, result={**GRADED, "status": "kernel-died"}),
            "memory-limit",
            "the --memory cap",
        ),
        (sandbox.Outcome(True, 0, oom_kills=1, result=GRADED), "graded", ""),  # a child's OOM
        (sandbox.Outcome(True, 137), "kernel-died", "was killed by SIGKILL"),
        (
            sandbox.Outcome(True, 0, result={"status": "forged"}),
            "kernel-died",
            "exited with status 0",
        ),
    ],
)
def test_outcomes_give_statuses(outcome, status, reason):
    execution = runner.sandboxed_execution(outcome, LIMITS)
    assert execution.status == status and reason in execution.reason


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (sandbox.Outcome(False, 1, log="bwrap: cannot mount"), "did not start: bwrap: cannot"),
        (sandbox.Outcome(True, 0, result={"error": "OSError: no kernel"}), "OSError: no kernel"),
    ],
)
def test_the_graders_failures_raise(outcome, message):
    with pytest.raises(sandbox.SandboxError, match=message):
        runner.sandboxed_execution(outcome, LIMITS)


@pytest.mark.parametrize("version", [1, 2])
def test_cgroup_files_are_written_and_read_per_version(tmp_path, version):
    """On a stand-in folder (no cgroup file system needed): the files of either version."""
    files = {
        1: {
            "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
            "cpuacct.usage": "2500000000\n",
        },
        2: {
            "memory.events": "low 0\nhigh 0\nmax 9\noom 3\noom_kill 2\n",
            "cpu.stat": "usage_usec 2500000\nuser_usec 2000000\n",
        },
    }[version]
    for name, text in {**files, "pids.events": "max 7\n"}.items():
        (tmp_path / name).write_text(text)
    parents = {kind: sandbox.CgroupParent(kind, version, "/") for kind in ("memory", "pids", "cpu")}
    group = sandbox.Cgroup(parents, dict.fromkeys(parents, tmp_path))
    group.set_limits(sandbox.Limits(1 << 30, 64, 6))
    assert (tmp_path / sandbox.LIMIT_FILES[version, "memory"]).read_text() == str(1 << 30)
    assert (tmp_path / "pids.max").read_text() == "64"
    assert (group.oom_kills(), group.task_limit_hits(), group.cpu_seconds()) == (2, 7, 2.5)
    assert group.procs_files() == [str(tmp_path / "cgroup.procs")]
