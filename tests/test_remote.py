"""The grader's questions to a learner's kernel, without a kernel: instructor.observer answering
in a thread, instructor.remote asking, over a real Unix socket (instructor.wire between them).
"""

import io
import socket
import struct
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from instructor import observer, remote, wire
from nnlib.checks.verdict import describe_error

LEARNER_CODE = """
import numpy as np
import nnlib

class Counter:
    def __init__(self, start=0):
        self.total = start

    def add(self, value):
        self.total += value
        return self.total

class Lazy(nnlib.SGD):
    def update_params(self, layer):
        nnlib.SGD.update_params(self, layer)

def square(x):
    return x * x

def nudge(layer, values):
    layer.weights = layer.weights + 1
    layer.seen = True
    values *= 2
    return float(values.sum())

def draw(rng):
    return rng.integers(0, 1000, 3)

settings = {"learning_rate": 0.5, "momentum": (0.9, 0.99)}
"""


@pytest.fixture
def kernel(tmp_path):
    """A session with an observer serving LEARNER_CODE's names from a thread."""
    namespace = {}
    exec(LEARNER_CODE, namespace)  # noqa: S102 (test code standing for a learner's notebook)
    address = str(tmp_path / "grader.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(1)
    thread = threading.Thread(target=observer.serve, args=(namespace, address), daemon=True)
    thread.start()
    session = remote.accept_session(listener, thread.is_alive, time.monotonic() + 30)
    yield remote.RemoteNamespace(session)
    session.close()
    thread.join(5)
    listener.close()
    assert not thread.is_alive()


def test_numbers_come_back_as_values_and_objects_as_stand_ins(kernel):
    Counter = kernel["Counter"]
    assert isinstance(Counter, type) and Counter.__name__ == "Counter"
    assert Counter.__module__ == "builtins"  # exec'd code: the learner's own, not nnlib's
    counter = Counter(2)
    assert counter.add(3) == 5 and type(counter.add(1)) is int and counter.total == 6
    assert kernel["square"](np.arange(3.0)).tolist() == [0.0, 1.0, 4.0]
    assert kernel["settings"] == {"learning_rate": 0.5, "momentum": (0.9, 0.99)}
    assert "missing" not in kernel and "square" in kernel
    with pytest.raises(KeyError):
        kernel["missing"]
    with pytest.raises(AttributeError):
        counter.nothing  # noqa: B018 (the read is the test)
    assert getattr(counter, "nothing", "default") == "default"


def test_a_stand_in_is_never_asked_for_its_truth_and_compares_by_identity(kernel):
    counter = kernel["Counter"]()
    with pytest.raises(TypeError, match="never asked"):
        bool(counter)
    assert counter == counter and counter != kernel["Counter"]()
    with pytest.raises(TypeError):
        np.asarray(counter, dtype=np.float64)


def test_the_graders_objects_come_back_changed(kernel):
    layer = SimpleNamespace(weights=np.zeros((2, 2)))
    values = np.ones(3)
    assert kernel["nudge"](layer, values) == 6.0
    assert layer.weights.tolist() == [[1.0, 1.0], [1.0, 1.0]] and layer.seen is True
    assert values.tolist() == [2.0, 2.0, 2.0]  # changed in place, as in one process
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    assert kernel["draw"](rng).tolist() == twin.integers(0, 1000, 3).tolist()
    assert rng.integers(0, 1000) == twin.integers(0, 1000)  # the generator moved on too


def test_a_watched_nnlib_function_is_reported_when_it_runs(kernel):
    kernel.watch(["nnlib.optimizers:SGD.update_params"])
    counter = kernel["Counter"]()
    counter.add(1)
    assert kernel.delegated == set()
    layer = SimpleNamespace(
        weights=np.ones((1, 1)),
        biases=np.ones((1, 1)),
        dweights=np.ones((1, 1)),
        dbiases=np.ones((1, 1)),
    )
    kernel["Lazy"](learning_rate=0.5).update_params(layer)
    assert kernel.delegated == {"nnlib.optimizers:SGD.update_params"}
    assert layer.weights.tolist() == [[0.5]]


def test_the_learners_errors_come_back_with_where_they_arose(kernel):
    with pytest.raises(remote.LearnerError) as raised:
        kernel["Counter"]().add("text")
    described = raised.value.learner_description
    assert described.startswith("TypeError: ") and "(in Counter.add, line " in described
    assert describe_error(raised.value) == described  # as the checks report it


def npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (struct.pack(">I", wire.MAX_HEADER_BYTES + 1), "a header of"),
        (struct.pack(">I", 2) + b"{]", "not JSON"),
        (struct.pack(">I", 2) + b"[]", "without its count"),
        (
            struct.pack(">I", 11) + b'{"blobs":1}' + struct.pack(">Q", 200) + b"x" * 200,
            "not .npy data",
        ),
    ],
)
def test_the_wire_refuses_what_is_not_a_message(message, problem):
    sender, receiver = socket.socketpair()
    sender.sendall(message)
    sender.close()
    with pytest.raises(wire.WireError, match=problem):
        wire.receive(receiver)


def test_the_wire_refuses_arrays_of_anything_but_numbers():
    for array in (np.array(["text"]), np.array([{"a": 1}], dtype=object)):
        data = npy(array, allow_pickle=array.dtype == object)
        sender, receiver = socket.socketpair()
        sender.sendall(struct.pack(">I", 11) + b'{"blobs":1}' + struct.pack(">Q", len(data)) + data)
        with pytest.raises(wire.WireError):
            wire.receive(receiver)


def test_a_kernel_that_stops_answering_fails_every_later_request_at_once(tmp_path):
    address = str(tmp_path / "grader.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(address)
    session = remote.accept_session(listener, lambda: True, time.monotonic() + 30)
    client.close()  # a learner's kernel that hangs up
    namespace = remote.RemoteNamespace(session)
    with pytest.raises(remote.KernelGone, match="stopped answering"):
        namespace["anything"]
    start = time.monotonic()
    with pytest.raises(remote.KernelGone, match="stopped answering"):
        namespace["anything else"]
    assert time.monotonic() - start < 0.1
    listener.close()
