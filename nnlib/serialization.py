"""Saving Python objects to files that can be told apart from corrupt or truncated ones.

Layout: a magic line, the SHA-256 digest of the payload, then the pickled payload. Files are
written to a temporary name and renamed, so an interrupted save never leaves half a file.
Like any pickle, only load files you (or your course) made.
"""

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

MAGIC = b"NNLIB-PICKLE-1\n"
DIGEST_SIZE = hashlib.sha256().digest_size


class DropsPassArrays:
    """Mixin: a pickled copy (``Model.save``, ``copy.deepcopy``) leaves out the arrays of the
    last forward and backward pass, ``PASS_ARRAYS``, set to None: they can be as large as a
    batch of data, and the next pass recomputes them. Parameters and optimizer state stay.
    """

    PASS_ARRAYS = ("inputs", "output", "dinputs", "dweights", "dbiases")

    def __getstate__(self):
        return {
            name: None if name in self.PASS_ARRAYS else value
            for name, value in self.__dict__.items()
        }


class ModelFileError(ValueError):
    """A file given to ``load`` is not an nnlib file, or is corrupt or truncated."""


def save_object(obj, path) -> None:
    """Pickle ``obj`` to ``path`` atomically, with a header and a checksum."""
    path = Path(path)
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(MAGIC + hashlib.sha256(payload).digest() + payload)
        # mkstemp makes the file private (0600); give it the permissions open() would.
        os.chmod(temporary, 0o666 & ~_current_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def load_object(path, expected_type: type, what: str):
    """Load an object saved by :func:`save_object`, checking header, checksum and type."""
    path = Path(path)
    data = path.read_bytes()
    if not data.startswith(MAGIC):
        raise ModelFileError(
            f"{path} is not a {what} saved by nnlib (it does not start with {MAGIC!r}); "
            "was it saved with a different program, or overwritten?"
        )
    digest = data[len(MAGIC) : len(MAGIC) + DIGEST_SIZE]
    payload = data[len(MAGIC) + DIGEST_SIZE :]
    if hashlib.sha256(payload).digest() != digest:
        raise ModelFileError(
            f"{path} is corrupt or truncated ({len(data)} bytes; its checksum does not match): "
            f"save the {what} again."
        )
    obj = pickle.loads(payload)
    if not isinstance(obj, expected_type):
        raise ModelFileError(
            f"{path} holds a {type(obj).__name__}, expected a {what} ({expected_type.__name__})."
        )
    return obj
