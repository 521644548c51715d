"""The grader's side of a learner's kernel: the notebook's names as local stand-ins.

:func:`accept_session` waits for the kernel's :func:`instructor.observer.serve` to connect.
The :class:`RemoteNamespace` it gives looks like the notebook's globals to a rubric: a class
of the learner's comes back as a local class (so ``isinstance(cls, type)`` holds, and its
MRO says which methods are the learner's and which nnlib's); making an instance, calling a
method, reading or setting an attribute are requests to the kernel. Numbers, strings and
arrays come back as values, checked to be numbers (:mod:`instructor.wire`); everything else
stays in the kernel, behind a stand-in. So a check compares values it holds itself, with the
grader's own code: never with ``==``, ``bool()`` or ``__eq__`` of an object the learner made
(a stand-in refuses ``bool()``, and its ``==`` is identity).

Objects of the grader's passed to the learner's code travel by value, and come back changed,
as do arrays the learner's code changed in place: a ``SimpleNamespace`` holding a layer's
arrays, an nnlib object (copied into an object of its class in the kernel, methods and all),
a ``numpy.random.Generator`` (its state).
"""

import socket
import time
from types import FunctionType, ModuleType

import numpy as np

from instructor import wire

ACCEPT_POLL_SECONDS = 0.2


class KernelGone(Exception):
    """The kernel stopped answering: it ended, timed out, or broke the connection."""


class LearnerError(Exception):
    """An exception raised by the learner's code in the kernel (``learner_description``)."""

    def __init__(self, description: str):
        super().__init__(description)
        self.learner_description = description


class LearnerAttributeError(LearnerError, AttributeError):
    """The learner's object has no such attribute (``getattr(obj, name, default)`` works)."""


class LearnerNotImplemented(LearnerError, NotImplementedError):
    """The learner's code still raises NotImplementedError."""


def accept_session(listener: socket.socket, running, deadline: float) -> "Session | None":
    """The kernel's connection on ``listener``; None if ``running()`` turns False first.

    ``deadline`` (``time.monotonic()``) bounds the wait and every later answer.
    """
    listener.settimeout(ACCEPT_POLL_SECONDS)
    while time.monotonic() < deadline:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if not running():
                return None
            continue
        return Session(connection, deadline)
    return None


class Session:
    """One kernel's connection: requests, answers, and the stand-ins' bookkeeping."""

    def __init__(self, connection: socket.socket, deadline: float):
        self.connection, self.deadline = connection, deadline
        self.gone: str | None = None
        self.classes: dict[str, dict] = {}
        self.local_classes: dict[str, type] = {}
        self.mirror_ids: dict[int, int] = {}  # id(grader's object) -> its mirror's number
        self.mirror_objects: dict[int, object] = {}  # and back
        self.delegated: set[str] = set()

    # --- requests ---------------------------------------------------------------------------

    def request(self, op: str, **fields) -> object:
        """Send one request and decode its answer; raise the learner's error if it raised."""
        encoder = _Outgoing(self)
        header = {"op": op, **{name: encoder.encode(value) for name, value in fields.items()}}
        reply, arrays = self._exchange(header, encoder.arrays)
        self.classes.update(_checked(reply.get("classes", {}), dict))
        self.delegated.update(str(name) for name in _checked(reply.get("delegated", []), list))
        decoder = _Incoming(self, arrays)
        encoder.write_back(reply, decoder)
        if "error" in reply:
            raise _learner_error(_checked(reply["error"], dict))
        return decoder.decode(reply.get("ok"))

    def _exchange(self, header: dict, arrays: list) -> tuple[dict, list]:
        """Send and receive; after one failure, every later request fails at once."""
        left = self.deadline - time.monotonic()
        if self.gone is None and left <= 0:
            self.gone = "the notebook's time for grading ran out"
        if self.gone is not None:
            raise KernelGone(self.gone)
        self.connection.settimeout(left)
        try:
            wire.send(self.connection, header, arrays)
            return wire.receive(self.connection)
        except TimeoutError:
            self.gone = "the notebook's kernel did not answer in time"
        except (OSError, wire.WireError) as error:
            self.gone = f"the notebook's kernel stopped answering ({error})"
        raise KernelGone(self.gone)

    def watch(self, names: list[str]) -> None:
        """Note when any of the functions ``names`` (``module:Qualified.name``) runs."""
        self.delegated.clear()
        self.request("watch", names=list(names))

    def close(self) -> None:
        """Tell the kernel grading is over, and hang up."""
        try:
            self.connection.settimeout(5)
            wire.send(self.connection, {"op": "done"}, [])
        except OSError:
            pass
        self.connection.close()

    # --- stand-ins ----------------------------------------------------------------------------

    def local_class(self, key: str) -> type:
        """The stand-in class for the kernel's class ``key``, made once."""
        if key not in self.local_classes:
            mro = _checked(self.classes.get(key), dict).get("mro")
            cls = RemoteObject
            for entry in reversed(_checked(mro, list)):
                entry = _checked(entry, dict)
                methods = {str(name): RemoteMethod(str(name)) for name in entry.get("methods", [])}
                cls = type(
                    str(entry.get("name", "?")),
                    (cls,),
                    {
                        **methods,
                        "__module__": str(entry.get("module", "")),
                        "__qualname__": str(entry.get("qualname", "?")),
                    },
                )
            cls._session, cls._reference = self, int(key)
            self.local_classes[key] = cls
        return self.local_classes[key]


class RemoteObject:
    """A stand-in for an object or a class in the learner's kernel (see the module doc)."""

    _session: Session
    _reference: int | None = None

    def __new__(cls, *args, **kwargs):
        if cls._reference is None:
            raise TypeError(f"{cls.__name__} stands for a class of the learner's kernel")
        return cls._session.request("call", target=cls, method=None, args=args, kwargs=kwargs)

    def __init__(self, *args, **kwargs):
        """The kernel made the object already (see ``__new__``)."""

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._session.request("getattr", target=self, name=name)

    def __setattr__(self, name: str, value) -> None:
        self._session.request("setattr", target=self, name=name, value=value)

    def __call__(self, *args, **kwargs):
        return self._session.request("call", target=self, method=None, args=args, kwargs=kwargs)

    def __iter__(self):
        return iter(self._session.request("iterate", target=self))

    def __bool__(self) -> bool:
        raise TypeError("the truth of a learner's object is never asked: compare its numbers")

    def __repr__(self) -> str:
        return f"<the learner's {type(self).__name__}>"


class RemoteMethod:
    """A method of a learner's class: reading it on a stand-in gives a function calling it."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance, owner):
        target = owner if instance is None else instance

        def call(*args, **kwargs):
            session = owner._session
            return session.request(
                "call", target=target, method=self.name, args=args, kwargs=kwargs
            )

        call.__name__ = call.__qualname__ = self.name
        return call


class RemoteFunction:
    """A function of the learner's kernel; calling it is a request."""

    def __init__(self, session: Session, reference: int, names: dict):
        self._session, self._reference = session, reference
        self.__name__ = str(names.get("name", "?"))
        self.__qualname__ = str(names.get("qualname", "?"))
        self.__module__ = str(names.get("module", ""))

    def __call__(self, *args, **kwargs):
        return self._session.request("call", target=self, method=None, args=args, kwargs=kwargs)

    def __bool__(self) -> bool:
        raise TypeError("the truth of a learner's function is never asked")

    def __repr__(self) -> str:
        return f"<the learner's function {self.__qualname__}>"


class RemoteNamespace:
    """The notebook's global names, as a rubric reads them: ``name in ns`` and ``ns[name]``."""

    def __init__(self, session: Session):
        self.session = session

    def __contains__(self, name: str) -> bool:
        return not isinstance(self._lookup(name), _Missing)

    def __getitem__(self, name: str):
        value = self._lookup(name)
        if isinstance(value, _Missing):
            raise KeyError(name)
        return value

    def _lookup(self, name: str):
        return self.session.request("lookup", name=name)

    def watch(self, names: list[str]) -> None:
        """See :meth:`Session.watch`."""
        self.session.watch(names)

    @property
    def delegated(self) -> set[str]:
        """The watched functions that ran since :meth:`watch`."""
        return set(self.session.delegated)


class _Missing:
    """The kernel has no such name."""


class _Outgoing:
    """Encodes a request's values; remembers what must be written back from the answer."""

    def __init__(self, session: Session):
        self.session = session
        self.arrays: list[np.ndarray] = []
        self.passed: dict[int, np.ndarray] = {}
        self.mirrors: dict[int, object] = {}
        self.generators: dict[int, np.random.Generator] = {}
        self.encoding: set[int] = set()

    def encode(self, value):
        if value is None or type(value) in (bool, int, float, str):
            return value
        if isinstance(value, np.ndarray | np.generic):
            if value.dtype.kind not in wire.NUMBER_KINDS:
                raise TypeError(f"only arrays of numbers go to the kernel, not {value.dtype}")
            self.arrays.append(np.asarray(value))
            index = len(self.arrays) - 1
            if isinstance(value, np.ndarray):
                self.passed[index] = value
            return {"$array": index, "scalar": isinstance(value, np.generic)}
        if isinstance(value, RemoteObject | RemoteFunction) or _is_stand_in_class(value):
            return {"$ref": value._reference}
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(item) for item in value]}
        if isinstance(value, dict):
            return {"$dict": [[str(key), self.encode(item)] for key, item in value.items()]}
        if isinstance(value, np.random.Generator):
            number = self._mirror_number(value)
            self.generators[number] = value
            return {"$generator": number, "state": value.bit_generator.state}
        if hasattr(value, "__dict__") and not isinstance(value, type | FunctionType | ModuleType):
            if id(value) in self.encoding:
                raise TypeError(f"a {type(value).__name__} holding itself cannot be sent")
            self.encoding.add(id(value))
            number = self._mirror_number(value)
            self.mirrors[number] = value
            attrs = self.encode(dict(vars(value)))
            self.encoding.discard(id(value))
            cls = type(value)
            return {
                "$mirror": number,
                "attrs": attrs,
                "class": f"{cls.__module__}:{cls.__qualname__}",
            }
        raise TypeError(f"a {type(value).__name__} cannot be sent to the learner's kernel")

    def _mirror_number(self, value) -> int:
        session = self.session
        number = session.mirror_ids.setdefault(id(value), len(session.mirror_ids) + 1)
        session.mirror_objects[number] = value  # held: its id must not be reused meanwhile
        return number

    def write_back(self, reply: dict, decoder: "_Incoming") -> None:
        """Give the grader's objects what the learner's code did to their kernel copies."""
        for key, attrs in _checked(reply.get("mirrors", {}), dict).items():
            local = self.mirrors.get(int(key))
            if local is None:
                continue
            # Plain attributes only: never a special one such as __class__ or __dict__.
            values = {
                name: value
                for name, value in _checked(decoder.decode(attrs), dict).items()
                if name.isidentifier() and not name.startswith("__")
            }
            for name in set(vars(local)) - set(values):
                delattr(local, name)
            for name, value in values.items():
                setattr(local, name, value)
        for key, state in _checked(reply.get("generators", {}), dict).items():
            generator = self.generators.get(int(key))
            if generator is not None:
                try:
                    generator.bit_generator.state = state
                except (TypeError, ValueError, KeyError) as error:
                    raise KernelGone(f"a random generator came back broken ({error})") from None
        for key, encoded in _checked(reply.get("changed", {}), dict).items():
            local = self.passed.get(int(key))
            value = decoder.decode(encoded)
            if local is not None and isinstance(value, np.ndarray) and value.shape == local.shape:
                local[...] = value


class _Incoming:
    """Decodes an answer's values into numbers, arrays and stand-ins."""

    def __init__(self, session: Session, arrays: list[np.ndarray]):
        self.session, self.arrays = session, arrays

    def decode(self, value):
        if value is None or type(value) in (bool, int, float, str):
            return value
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        value = _checked(value, dict)
        if "$array" in value:
            array = self.arrays[_checked(value["$array"], int)]
            return array[()] if value.get("scalar") else array
        if "$tuple" in value:
            return tuple(self.decode(item) for item in _checked(value["$tuple"], list))
        if "$dict" in value:
            return {str(key): self.decode(item) for key, item in _checked(value["$dict"], list)}
        if "$missing" in value:
            return _Missing()
        if "$mirror" in value:
            return self.session.mirror_objects[_checked(value["$mirror"], int)]
        if "$ref" in value:
            return self._stand_in(value)
        raise KernelGone("the kernel sent a value the grader does not know")

    def _stand_in(self, value: dict):
        reference, kind = _checked(value["$ref"], int), value.get("kind")
        if kind == "function":
            return RemoteFunction(self.session, reference, value)
        cls = self.session.local_class(str(value.get("class")))
        if kind == "class":
            return cls
        instance = object.__new__(cls)
        object.__setattr__(instance, "_reference", reference)
        return instance


def _is_stand_in_class(value) -> bool:
    return isinstance(value, type) and issubclass(value, RemoteObject)


def _checked(value, kind: type):
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise KernelGone(f"the kernel sent {type(value).__name__} where {kind.__name__} belongs")
    return value


def _learner_error(error: dict) -> LearnerError:
    text = str(error.get("text", "an error"))
    if error.get("unfinished"):
        return LearnerNotImplemented(str(error["unfinished"]))
    if error.get("type") == "AttributeError":
        return LearnerAttributeError(text)
    return LearnerError(text)
