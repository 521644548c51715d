"""What runs in the learner's kernel at grading time: it answers the grader's requests.

After the learner's cells, the grader's last cell calls :func:`serve`, which connects to the
grader's socket and carries out its requests on the notebook's names: look a name up, make
an object, call a function or a method, read or set an attribute, list an iterable. It sends
back what came out: numbers, strings and arrays as values, anything else as a reference the
grader can use in a later request. The checks, the expected values and the points stay in
the grader (:mod:`instructor.remote`): nothing here decides anything, so code that replaces
this module's functions can only spoil its own answers.

The grader's plain objects (a layer's arrays in a ``SimpleNamespace``, an nnlib optimizer)
arrive as mirrors: copies of their attributes, in an object of the same nnlib class or in a
``SimpleNamespace``;
after each request the mirrors' attributes, the states of the random generators passed and
the arrays changed in place go back, so that the grader's copies follow what the learner's
code did to them.

Delegation: the grader can name functions of ``nnlib`` to watch (``"nnlib.optimizers:
Adam.update_params"``); each answer then lists those that ran during the request, found by a
profile hook.

Standard library and NumPy only: this module is imported into the learner's process.
"""

import importlib
import os
import socket
import sys
import types

import numpy as np

from instructor import wire

MAX_STRING = 10_000
MAX_ITEMS = 1_000_000


def serve(namespace: dict, address: str) -> None:
    """Answer the grader's requests on ``namespace`` until it says ``done`` or goes away."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(address)
    server = Server(namespace)
    try:
        while True:
            try:
                header, arrays = wire.receive(sock)
            except (wire.WireError, OSError):
                return
            if header.get("op") == "done":
                return
            wire.send(sock, *server.answer(header, arrays))
    finally:
        sock.close()


class Server:
    """The requests' state: the objects handed out by reference, the mirrors, what is watched."""

    def __init__(self, namespace: dict):
        self.namespace = namespace
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}  # id(object) -> reference, for objects handed out
        self.described: set[int] = set()
        self.mirrors: dict[int, object] = {}
        self.mirror_numbers: dict[int, int] = {}  # id(mirror) -> its number
        self.watched: dict[types.CodeType, str] = {}

    def answer(self, header: dict, arrays: list) -> tuple[dict, list]:
        """Carry out one request; the answer's header and arrays."""
        request = Request(self, arrays)
        out = Encoder(self)
        hits: set[str] = set()
        try:
            value = request.run(header, hits)
            reply = {"ok": out.encode(value)}
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # the learner's code may raise anything, SystemExit too
            reply = {"error": describe(error)}
        reply.update(request.changes(out))
        reply["delegated"] = sorted(hits)
        reply["classes"] = out.classes
        return reply, out.arrays

    def reference(self, value: object) -> int:
        key = id(value)
        if key not in self.ids:
            self.ids[key] = len(self.objects) + 1
            self.objects[self.ids[key]] = value
        return self.ids[key]

    def watch(self, names: list[str]) -> list[str]:
        """Watch the functions ``module:Qualified.name``; return those found."""
        self.watched = {}
        for name in names:
            module, _, path = name.partition(":")
            try:
                target = importlib.import_module(module)
                for part in path.split("."):
                    target = getattr(target, part)
                self.watched[target.__code__] = name
            except (ImportError, AttributeError):
                continue
        return sorted(self.watched.values())


class Request:
    """One request: decodes its values, runs it, and collects what changed on the way."""

    def __init__(self, server: Server, arrays: list):
        self.server, self.arrays = server, arrays
        self.mirrors: dict[int, object] = {}
        self.generators: dict[int, np.random.Generator] = {}
        self.passed: list[tuple[int, np.ndarray, np.ndarray]] = []

    def run(self, header: dict, hits: set[str]) -> object:
        op, server = header.get("op"), self.server
        if op == "lookup":
            name = header["name"]
            if name not in server.namespace:
                return Missing()
            return server.namespace[name]
        if op == "watch":
            return server.watch([str(name) for name in header["names"]])
        target = self.decode(header["target"])
        if op == "getattr":
            return self.watching(hits, getattr, target, header["name"])
        if op == "setattr":
            return self.watching(
                hits, setattr, target, header["name"], self.decode(header["value"])
            )
        if op == "call":
            method = header.get("method")
            function = target if method is None else getattr(target, method)
            args, kwargs = self.decode(header["args"]), self.decode(header["kwargs"])
            return self.watching(hits, function, *args, **kwargs)
        if op == "iterate":
            return self.watching(hits, _first_items, target)
        raise ValueError(f"unknown request {op!r}")

    def watching(self, hits: set[str], function, *args, **kwargs):
        """``function(*args, **kwargs)``, noting which watched functions ran meanwhile."""
        watched = self.server.watched
        if not watched:
            return function(*args, **kwargs)

        def profile(frame, event, arg):
            if event == "call" and frame.f_code in watched:
                hits.add(watched[frame.f_code])

        sys.setprofile(profile)
        try:
            return function(*args, **kwargs)
        finally:
            sys.setprofile(None)

    def decode(self, value: object) -> object:
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict):
            return value
        if "$array" in value:
            array = self.arrays[value["$array"]]
            if value.get("scalar"):
                return array[()]
            self.passed.append((value["$array"], array, array.copy()))
            return array
        if "$tuple" in value:
            return tuple(self.decode(item) for item in value["$tuple"])
        if "$dict" in value:
            return {key: self.decode(item) for key, item in value["$dict"]}
        if "$ref" in value:
            return self.server.objects[value["$ref"]]
        if "$mirror" in value:
            number = value["$mirror"]
            cls = _mirror_class(value.get("class"))
            mirror = self.server.mirrors.get(number)
            if type(mirror) is not cls:
                mirror = self.server.mirrors[number] = cls.__new__(cls)
                self.server.mirror_numbers[id(mirror)] = number
            mirror.__dict__.clear()
            mirror.__dict__.update(self.decode(value["attrs"]))
            self.mirrors[number] = mirror
            return mirror
        if "$generator" in value:
            generator = np.random.Generator(np.random.PCG64())
            generator.bit_generator.state = value["state"]
            self.generators[value["$generator"]] = generator
            return generator
        raise ValueError(f"unknown value {sorted(value)}")

    def changes(self, out: "Encoder") -> dict:
        """What the grader's copies need: mirrors, generator states, arrays changed in place."""
        return {
            "mirrors": {
                str(key): out.encode(dict(vars(mirror))) for key, mirror in self.mirrors.items()
            },
            "generators": {
                str(key): generator.bit_generator.state
                for key, generator in self.generators.items()
            },
            "changed": {
                str(index): out.encode(array)
                for index, array, before in self.passed
                if not np.array_equal(array, before, equal_nan=True)
            },
        }


class Missing:
    """A name the notebook does not define."""


class Encoder:
    """Turns values into the wire's JSON: numbers and arrays as such, the rest by reference."""

    def __init__(self, server: Server):
        self.server = server
        self.arrays: list[np.ndarray] = []
        self.classes: dict[str, dict] = {}

    def encode(self, value: object) -> object:
        kind = type(value)
        if value is None or kind in (bool, int, float):
            return value
        if kind is str:
            return value[:MAX_STRING]
        if kind is Missing:
            return {"$missing": True}
        number = self.server.mirror_numbers.get(id(value))
        if number is not None and self.server.mirrors.get(number) is value:
            return {"$mirror": number}
        if isinstance(value, np.ndarray | np.generic) and value.dtype.kind in wire.NUMBER_KINDS:
            self.arrays.append(np.asarray(value))
            return {"$array": len(self.arrays) - 1, "scalar": isinstance(value, np.generic)}
        if kind in (list, tuple):
            items = [self.encode(item) for item in value[:MAX_ITEMS]]
            return items if kind is list else {"$tuple": items}
        if kind is dict and all(type(key) is str for key in value):
            return {"$dict": [[key, self.encode(item)] for key, item in value.items()]}
        return self.reference(value)

    def reference(self, value: object) -> dict:
        number = self.server.reference(value)
        if isinstance(value, type):
            return {"$ref": number, "kind": "class", "class": self.describe(value)}
        if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
            return {"$ref": number, "kind": "function", **_names(value)}
        return {"$ref": number, "kind": "object", "class": self.describe(type(value))}

    def describe(self, cls: type) -> str:
        """A class's key; its description (names and methods along the MRO) goes once."""
        key = str(self.server.reference(cls))
        if key not in self.server.described:
            self.server.described.add(key)
            self.classes[key] = {
                "mro": [
                    {
                        **_names(owner),
                        "methods": sorted(
                            name
                            for name, member in vars(owner).items()
                            if isinstance(member, types.FunctionType | staticmethod | classmethod)
                        ),
                    }
                    for owner in cls.__mro__
                    if owner is not object
                ]
            }
        return key


def _mirror_class(name: object) -> type:
    """The class of a mirror: an nnlib class named ``module:Qualified``, else a namespace."""
    if isinstance(name, str) and name.startswith("nnlib."):
        module, _, path = name.partition(":")
        target = importlib.import_module(module)
        for part in path.split("."):
            target = getattr(target, part)
        if isinstance(target, type):
            return target
    return types.SimpleNamespace


def _names(value: object) -> dict:
    return {
        "name": str(getattr(value, "__name__", "?"))[:200],
        "qualname": str(getattr(value, "__qualname__", "?"))[:200],
        "module": str(getattr(value, "__module__", None) or "")[:200],
    }


def _first_items(iterable) -> list:
    items = []
    for item in iterable:
        if len(items) == MAX_ITEMS:
            break
        items.append(item)
    return items


def describe(error: BaseException) -> dict:
    """The learner's exception for the grader: its type, and one line saying where it arose."""
    from nnlib.checks.verdict import add_library_folder, describe_error, unfinished_message

    # This module's frames are the grader's, not the learner's.
    add_library_folder(os.path.dirname(os.path.abspath(__file__)))
    try:
        text = describe_error(error)
    except Exception:
        text = type(error).__name__
    unfinished = None
    if isinstance(error, NotImplementedError):
        try:
            unfinished = unfinished_message(error)
        except Exception:
            unfinished = "the code still raises NotImplementedError"
    exception_type = "AttributeError" if isinstance(error, AttributeError) else "Exception"
    return {"type": exception_type, "text": text[:1000], "unfinished": unfinished}


def limit_output(max_chars: int) -> None:
    """Cap what stdout and stderr accept from now on (run in the kernel before the notebook).

    A cell printing hundreds of megabytes would otherwise be shipped to the runner whole.
    """
    budget = [max_chars]

    def cap_streams(info: object = None) -> None:
        for stream in (sys.stdout, sys.stderr):
            if not hasattr(stream.write, "output_budget"):
                stream.write = _capped_write(stream.write, budget)

    cap_streams()
    from IPython import get_ipython  # imported here: only a kernel has it, and needs it

    shell = get_ipython()
    if shell is not None:
        # IPython 9 swaps the streams' write methods in and out around every cell, dropping
        # a wrapper installed once: wrap again as each cell starts.
        shell.events.register("pre_run_cell", cap_streams)


def _capped_write(write, budget: list[int]):
    """Wrap a stream's ``write`` so that all wrapped streams share one character budget."""

    def capped(text: str) -> int:
        if budget[0] > 0:
            write(text[: budget[0]])
            budget[0] -= len(text)
            if budget[0] <= 0:
                write("\n[further output dropped by the grader]\n")
        return len(text)

    capped.output_budget = budget
    return capped
