"""The grader's wire to a learner's kernel: framed messages of JSON plus ``.npy`` arrays.

A message is a JSON header and the arrays it refers to, each sent as ``.npy`` bytes (never a
pickle)::

    4 bytes   the header's length, big-endian
    header    UTF-8 JSON; "blobs": the number of arrays that follow
    per array 8 bytes of length, big-endian, then the array saved by ``numpy.save``

In the header, an array is ``{"$array": i}``, the i-th array of the message. Both sides
(:mod:`instructor.observer` in the kernel, :mod:`instructor.remote` in the grader) use this
module; the grader reads what the kernel sends as hostile input: sizes are capped and an
array must hold numbers (booleans, integers, floats or complex numbers).
"""

import io
import json
import socket
import struct

import numpy as np

# A message may not exceed these: a header of 64 MB, arrays of 1 GB together.
MAX_HEADER_BYTES = 64 << 20
MAX_ARRAY_BYTES = 1 << 30
NUMBER_KINDS = "biufc"


class WireError(Exception):
    """The other side sent something that is not a message, or went away."""


def send(sock: socket.socket, header: dict, arrays: list[np.ndarray]) -> None:
    """Send ``header`` (JSON data) and ``arrays`` as one message."""
    body = json.dumps({**header, "blobs": len(arrays)}, ensure_ascii=False).encode("utf-8")
    parts = [struct.pack(">I", len(body)), body]
    for array in arrays:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        data = buffer.getvalue()
        parts += [struct.pack(">Q", len(data)), data]
    sock.sendall(b"".join(parts))


def receive(sock: socket.socket) -> tuple[dict, list[np.ndarray]]:
    """One message: its header and its arrays. Raises WireError on anything else."""
    (length,) = struct.unpack(">I", _read(sock, 4))
    if length > MAX_HEADER_BYTES:
        raise WireError(f"a header of {length} bytes (at most {MAX_HEADER_BYTES})")
    try:
        header = json.loads(_read(sock, length).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise WireError(f"a header that is not JSON: {error}") from None
    if not isinstance(header, dict) or type(header.get("blobs")) is not int:
        raise WireError("a header without its count of arrays")
    arrays, total = [], 0
    for _ in range(max(header["blobs"], 0)):
        (size,) = struct.unpack(">Q", _read(sock, 8))
        total += size
        if total > MAX_ARRAY_BYTES:
            raise WireError(f"arrays of more than {MAX_ARRAY_BYTES} bytes in one message")
        arrays.append(_load(_read(sock, size)))
    return header, arrays


def _load(data: bytes) -> np.ndarray:
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        raise WireError(f"an array that is not .npy data: {error}") from None
    if not isinstance(array, np.ndarray) or array.dtype.kind not in NUMBER_KINDS:
        raise WireError(f"an array of {getattr(array, 'dtype', type(array))}, not of numbers")
    return array


def _read(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise WireError("the connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
