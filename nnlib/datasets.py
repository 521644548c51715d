"""Data sets for the course: the book's toy data (from ``nnfs``) and Fashion-MNIST.

Fashion-MNIST is looked for, in this order, in ``$NNLIB_DATA``, in the user cache
(``$XDG_CACHE_HOME/nnlib/fashion-mnist``, by default ``~/.cache/nnlib/fashion-mnist``) and in
``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``). A folder counts only
if it holds all four IDX files, each either gzipped (``.gz``) or raw. Every file is checked
against the SHA-256 of its decompressed bytes, so any faithful recompression is accepted.
"""

import gzip
import hashlib
import http.client
import math
import os
import struct
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np
from nnfs.datasets import sine_data, spiral_data, vertical_data

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FILES",
    "DatasetError",
    "data_file",
    "download_fashion_mnist",
    "find_fashion_mnist",
    "load_fashion_mnist",
    "parse_idx",
    "prepare_images",
    "read_idx",
    "search_dirs",
    "sine_data",
    "spiral_data",
    "vertical_data",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

IMAGE_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
_IDX_NDIM = {LABEL_MAGIC: 1, IMAGE_MAGIC: 3}

# File name (without .gz) -> expected magic number, in the order load_fashion_mnist returns them.
FILES = {
    "train-images-idx3-ubyte": IMAGE_MAGIC,
    "train-labels-idx1-ubyte": LABEL_MAGIC,
    "t10k-images-idx3-ubyte": IMAGE_MAGIC,
    "t10k-labels-idx1-ubyte": LABEL_MAGIC,
}

# SHA-256 of the decompressed files: Debian recompressed the .gz, so their hashes differ.
SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com"
DOWNLOAD_TIMEOUT = 10.0  # seconds per network operation: offline machines must fail fast
IMAGE_SIZE = (28, 28)
_GZIP_MAGIC = b"\x1f\x8b"


class DatasetError(RuntimeError):
    """A data set is missing, or one of its files cannot be used as it is."""


# --- Reading IDX files -------------------------------------------------------------------------


def parse_idx(data: bytes, source: str = "<bytes>", magic: int | None = None) -> np.ndarray:
    """Decode the bytes of an uncompressed IDX file of unsigned bytes.

    Returns a new, writable uint8 array: shape (N,) for a label file (magic 2049) or
    (N, rows, cols) for an image file (magic 2051). ``magic`` demands one of the two;
    ``source`` names the data in error messages.
    """
    if len(data) < 4:
        raise DatasetError(f"{source}: truncated: {len(data)} bytes, too short for an IDX header")
    found = int.from_bytes(data[:4], "big")
    if found not in _IDX_NDIM or (magic is not None and found != magic):
        wanted = magic if magic is not None else f"{LABEL_MAGIC} or {IMAGE_MAGIC}"
        raise DatasetError(f"{source}: wrong magic number {found} (expected {wanted})")
    ndim = _IDX_NDIM[found]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"{source}: truncated: the IDX header is cut off")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + math.prod(shape)
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "corrupt: trailing bytes"
        raise DatasetError(
            f"{source}: {problem}: {len(data)} bytes, but its header {shape} implies {expected}"
        )
    # frombuffer views the immutable bytes; the copy gives students an array they may modify.
    return np.frombuffer(data, np.uint8, offset=header).reshape(shape).copy()


def read_idx(path: str | Path, sha256: str | None = None, magic: int | None = None) -> np.ndarray:
    """Read an IDX file, gzipped if its name ends in ``.gz``, and check its content.

    ``sha256`` is the expected hash of the decompressed bytes. Returns uint8 (N,) or
    (N, rows, cols), as :func:`parse_idx`. Raises :class:`DatasetError` naming the file.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DatasetError(f"{path}: cannot read ({err.strerror or err})") from None
    data = _gunzip(raw, str(path)) if path.name.endswith(".gz") else raw
    return _check_idx(data, str(path), sha256, magic)


def _gunzip(raw: bytes, source: str) -> bytes:
    """Decompress gzip bytes, turning every failure into a DatasetError naming ``source``."""
    if not raw.startswith(_GZIP_MAGIC):
        raise DatasetError(f"{source}: not gzip (the file does not start with the gzip magic)")
    try:
        return gzip.decompress(raw)
    except EOFError:
        raise DatasetError(f"{source}: truncated: the gzip stream ends early") from None
    except (gzip.BadGzipFile, zlib.error) as err:
        raise DatasetError(f"{source}: corrupt: bad gzip data ({err})") from None


def _check_idx(data: bytes, source: str, sha256: str | None, magic: int | None) -> np.ndarray:
    """Parse first, so a damaged header is reported as such rather than as a bad checksum."""
    array = parse_idx(data, source, magic)
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise DatasetError(f"{source}: corrupt: checksum mismatch (SHA-256 of the IDX content)")
    return array


# --- Finding the files -------------------------------------------------------------------------


def user_cache_dir() -> Path:
    """The per-user folder that downloads go to: ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nnlib" / "fashion-mnist"


def search_dirs() -> list[Path]:
    """The folders searched for Fashion-MNIST, first match wins."""
    env = os.environ.get("NNLIB_DATA")
    return ([Path(env)] if env else []) + [user_cache_dir(), SYSTEM_DIR]


def data_file(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder``, gzipped or raw, or None when it is missing."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _missing(folder: Path) -> list[str]:
    return [name for name in FILES if data_file(folder, name) is None]


def _status(folder: Path) -> str:
    if not folder.is_dir():
        return "no such folder"
    missing = _missing(folder)
    if missing:
        return "missing " + ", ".join(f"{name}[.gz]" for name in missing)
    return "all four files present"


def _candidates(data_dir: str | Path | None) -> list[Path]:
    return [Path(data_dir)] if data_dir is not None else search_dirs()


def _explain(problem: str, folders: list[Path]) -> str:
    """A full error message: what is wrong, where we looked, and how to get the data."""
    lines = [problem, "Searched, in order:"]
    for folder in folders:
        lines.append(f"  {folder}: {_status(folder)}")
    lines += [
        "Replace any corrupt file, or get Fashion-MNIST in one of three ways:",
        f"  apt-get install dataset-fashion-mnist  (Debian/Ubuntu, as root; into {SYSTEM_DIR})",
        f"  nnlib data  (downloads into {user_cache_dir()})",
        "  set $NNLIB_DATA to a folder holding the four files: "
        + ", ".join(f"{name}.gz" for name in FILES),
    ]
    return "\n".join(lines)


def find_fashion_mnist(
    data_dir: str | Path | None = None, *, download: bool = False, quiet: bool = False
) -> Path:
    """Return the first folder holding all four Fashion-MNIST files.

    With ``data_dir`` only that folder is searched (and downloaded into); otherwise
    :func:`search_dirs`, downloading into :func:`user_cache_dir`. Downloads only when
    ``download`` is true. Checks presence only, not content. Raises :class:`DatasetError`.
    """
    folders = _candidates(data_dir)
    for folder in folders:
        if not _missing(folder):
            return folder
    if not download:
        raise DatasetError(_explain("Fashion-MNIST not found.", folders))
    try:
        return download_fashion_mnist(data_dir, quiet=quiet)
    except DatasetError as err:
        message = f"Fashion-MNIST not found, and downloading it failed: {err}"
        raise DatasetError(_explain(message, folders)) from None


# --- Loading -----------------------------------------------------------------------------------


def load_fashion_mnist(
    data_dir: str | Path | None = None,
    *,
    download: bool = True,
    verify: bool = True,
    quiet: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load Fashion-MNIST as ``(X_train, y_train, X_test, y_test)``, all uint8.

    Shapes: X_train (60000, 28, 28), y_train (60000,), X_test (10000, 28, 28), y_test (10000,).
    Pixels are 0 (background) to 255; labels 0-9 index :data:`FASHION_MNIST_CLASSES`.
    ``data_dir`` restricts the search to one folder; ``download`` fetches the files into the
    cache (or ``data_dir``) when no folder has them; ``verify`` checks their SHA-256;
    ``quiet`` silences the download messages. Raises :class:`DatasetError`.
    """
    folder = find_fashion_mnist(data_dir, download=download, quiet=quiet)
    try:
        return (*_load_split(folder, "train", verify), *_load_split(folder, "t10k", verify))
    except DatasetError as err:
        raise DatasetError(_explain(str(err), _candidates(data_dir))) from None


def _load_split(folder: Path, prefix: str, verify: bool) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) and labels (N,) of one split, checked to belong together."""
    images = _load_file(folder, f"{prefix}-images-idx3-ubyte", verify)
    labels = _load_file(folder, f"{prefix}-labels-idx1-ubyte", verify)
    if images.shape[1:] != IMAGE_SIZE or len(images) != len(labels):
        raise DatasetError(
            f"{folder}: {prefix} images {images.shape} and labels {labels.shape} do not match "
            f"(expected (N, 28, 28) and (N,))"
        )
    return images, labels


def _load_file(folder: Path, name: str, verify: bool) -> np.ndarray:
    path = data_file(folder, name)
    if path is None:  # removed since the folder was found
        raise DatasetError(f"{folder / name}[.gz]: missing")
    return read_idx(path, SHA256[name] if verify else None, FILES[name])


def prepare_images(X: np.ndarray) -> np.ndarray:
    """Flatten uint8 images (N, 28, 28) to float32 (N, 784) scaled to [-1, 1].

    Uses the book's formula ``(X - 127.5) / 127.5``: 0 maps to -1.0 and 255 to 1.0.
    Any (N, rows, cols) uint8 array works; the result has rows * cols columns.
    """
    X = np.asarray(X)
    if X.dtype != np.uint8:
        raise TypeError(f"prepare_images expects uint8 pixels 0-255, got dtype {X.dtype}")
    if X.ndim != 3:
        raise ValueError(f"prepare_images expects images of shape (N, 28, 28), got {X.shape}")
    return (X.reshape(len(X), -1).astype(np.float32) - 127.5) / 127.5


# --- Downloading -------------------------------------------------------------------------------


def download_fashion_mnist(
    target_dir: str | Path | None = None,
    *,
    base_url: str | None = None,
    timeout: float = DOWNLOAD_TIMEOUT,
    quiet: bool = False,
) -> Path:
    """Download the Fashion-MNIST files missing from ``target_dir`` and return that folder.

    ``target_dir`` defaults to :func:`user_cache_dir`; ``base_url`` to ``$NNLIB_FASHION_MNIST_URL``
    or the official Zalando Research address. Each file is verified before it is moved into
    place, so the folder never holds a partial or corrupt download. Raises :class:`DatasetError`.
    """
    target = Path(target_dir) if target_dir is not None else user_cache_dir()
    base = (base_url or os.environ.get("NNLIB_FASHION_MNIST_URL") or DOWNLOAD_URL).rstrip("/")
    for name in _missing(target):
        url = f"{base}/{name}.gz"
        if not quiet:
            print(f"Downloading {url} into {target}", file=sys.stderr)
        raw = _fetch(url, timeout)
        _check_idx(_gunzip(raw, url), url, SHA256[name], FILES[name])
        _write_atomically(target / f"{name}.gz", raw)
    return target


def _fetch(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (OSError, ValueError, http.client.HTTPException) as err:
        raise DatasetError(f"{url}: could not download ({err})") from None


def _write_atomically(dest: Path, content: bytes) -> None:
    """Write through a temporary file in the same folder: ``dest`` is absent or complete."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared --dir should be readable
            os.replace(tmp, dest)
        except BaseException:  # including Ctrl-C: never leave the partial file behind
            os.unlink(tmp)
            raise
    except OSError as err:
        raise DatasetError(f"{dest}: cannot write ({err})") from None
