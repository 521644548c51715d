"""Tests for nnlib.datasets and `nnlib data`: real Fashion-MNIST and small self-made IDX files."""

import functools
import gzip
import hashlib
import http.server
import os
import re
import socket
import struct
import threading

import numpy as np
import pytest

from nnlib import datasets
from nnlib.cli import main
from nnlib.datasets import DatasetError

NAMES = list(datasets.FILES)
TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = NAMES


# --- Helpers: small IDX files ------------------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """The IDX encoding of a uint8 array of 1 or 3 dimensions."""
    if magic is None:
        magic = {1: datasets.LABEL_MAGIC, 3: datasets.IMAGE_MAGIC}[array.ndim]
    header = struct.pack(f">I{array.ndim}I", magic, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


@pytest.fixture
def small_data(monkeypatch):
    """Four small arrays (5 train, 3 test) whose hashes replace the real ones."""
    arrays = dict(zip(NAMES, (*small_split(5, seed=0), *small_split(3, seed=1)), strict=True))
    contents = {name: idx_bytes(array) for name, array in arrays.items()}
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}
    monkeypatch.setattr(datasets, "SHA256", hashes)
    return arrays, contents


def write_folder(folder, contents, gz=True):
    """Write the four IDX files into ``folder``, gzipped or raw; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Isolate the three search places in tmp_path: NNLIB_DATA unset, cache and system empty."""
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    monkeypatch.delenv("NNLIB_FASHION_MNIST_URL", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(datasets, "SYSTEM_DIR", tmp_path / "system")
    return {
        "env": tmp_path / "env",
        "cache": tmp_path / "xdg-cache" / "nnlib" / "fashion-mnist",
        "system": tmp_path / "system",
    }


# --- The real data set -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fashion():
    return datasets.load_fashion_mnist(download=False)


def test_real_shapes_and_dtypes(fashion):
    X_train, y_train, X_test, y_test = fashion
    assert X_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert X_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert all(array.dtype == np.uint8 for array in fashion)


def test_real_labels_are_balanced(fashion):
    _, y_train, _, y_test = fashion
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert len(datasets.FASHION_MNIST_CLASSES) == 10
    assert datasets.FASHION_MNIST_CLASSES[y_train[0]] == "Ankle boot"


def test_real_pixel_statistics(fashion):
    X_train, y_train, X_test, y_test = fashion
    assert X_train.sum(dtype=np.int64) == 3431114169  # mean 72.94
    assert X_test.sum(dtype=np.int64) == 573469082  # mean 73.15
    assert (X_train.min(), X_train.max()) == (0, 255)
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]
    assert y_test[:5].tolist() == [9, 2, 1, 1, 6]


def test_real_arrays_are_writable(fashion):
    assert all(array.flags.writeable for array in fashion)


# --- prepare_images ----------------------------------------------------------------------------


def test_prepare_images_formula_and_range():
    X = np.array([[[0, 255], [127, 128]]], dtype=np.uint8)
    out = datasets.prepare_images(X)
    assert out.shape == (1, 4) and out.dtype == np.float32
    expected = (np.array([0, 255, 127, 128], dtype=np.float32) - 127.5) / 127.5
    np.testing.assert_array_equal(out[0], expected)
    assert out[0, 0] == -1.0 and out[0, 1] == 1.0


def test_prepare_images_on_real_data(fashion):
    out = datasets.prepare_images(fashion[2])
    assert out.shape == (10000, 784) and out.dtype == np.float32
    assert out.min() == -1.0 and out.max() == 1.0
    np.testing.assert_array_equal(
        out[7], (fashion[2][7].ravel().astype(np.float32) - 127.5) / 127.5
    )


@pytest.mark.parametrize(
    ("X", "error", "words"),
    [
        (np.zeros((2, 28, 28), dtype=np.float32), TypeError, "uint8"),
        (np.zeros((2, 784), dtype=np.uint8), ValueError, "(2, 784)"),
    ],
)
def test_prepare_images_rejects_bad_input(X, error, words):
    with pytest.raises(error, match=re.escape(words)):
        datasets.prepare_images(X)


# --- Reading small files -----------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_small_folder_loads(tmp_path, small_data, gz):
    arrays, contents = small_data
    write_folder(tmp_path, contents, gz=gz)
    loaded = datasets.load_fashion_mnist(tmp_path, download=False)
    for name, array in zip(NAMES, loaded, strict=True):
        np.testing.assert_array_equal(array, arrays[name])
        assert array.dtype == np.uint8


def test_read_idx_and_parse_idx_agree(tmp_path):
    images, _ = small_split(4, seed=2)
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "a.gz"), images)
    np.testing.assert_array_equal(datasets.parse_idx(idx_bytes(images)), images)


def flip_last_byte(data):
    return data[:-1] + bytes([data[-1] ^ 1])


def with_magic(magic, data):
    return struct.pack(">I", magic) + data[4:]


# damage: IDX bytes -> the bytes stored in the file named TRAIN_IMAGES + suffix.
@pytest.mark.parametrize(
    ("damage", "suffix", "words"),
    [
        (lambda d: gzip.compress(flip_last_byte(d)), ".gz", "corrupt: checksum mismatch"),
        (flip_last_byte, "", "corrupt: checksum mismatch"),
        (lambda d: d[:-10], "", "truncated"),
        (lambda d: d[:10], "", "truncated"),
        (lambda d: gzip.compress(d)[:-40], ".gz", "truncated"),
        (lambda d: gzip.compress(with_magic(2050, d)), ".gz", "wrong magic number 2050"),
        (lambda d: with_magic(datasets.LABEL_MAGIC, d), "", "wrong magic number 2049"),
        (lambda d: d + b"\0", "", "corrupt: trailing bytes"),
        (lambda d: d, ".gz", "not gzip"),
    ],
)
def test_damaged_file_names_file_and_problem(tmp_path, small_data, damage, suffix, words):
    _, contents = small_data
    write_folder(tmp_path, contents, gz=suffix == ".gz")
    target = tmp_path / f"{TRAIN_IMAGES}{suffix}"
    target.write_bytes(damage(contents[TRAIN_IMAGES]))
    with pytest.raises(DatasetError) as info:
        datasets.load_fashion_mnist(tmp_path, download=False)
    message = str(info.value)
    assert f"{target}: {words}" in message
    assert "apt-get install dataset-fashion-mnist" in message and "nnlib data" in message
    assert "NNLIB_DATA" in message and f"{tmp_path}: all four files present" in message


def test_mismatched_images_and_labels(tmp_path, small_data, monkeypatch):
    _, contents = small_data
    contents = dict(contents, **{TRAIN_LABELS: idx_bytes(np.zeros(4, np.uint8))})
    monkeypatch.setitem(
        datasets.SHA256, TRAIN_LABELS, hashlib.sha256(contents[TRAIN_LABELS]).hexdigest()
    )
    write_folder(tmp_path, contents)
    with pytest.raises(DatasetError, match=r"train images \(5, 28, 28\) and labels \(4,\)"):
        datasets.load_fashion_mnist(tmp_path, download=False)


def test_verify_false_skips_checksums(tmp_path, small_data, monkeypatch):
    arrays, contents = small_data
    write_folder(tmp_path, contents)
    monkeypatch.setitem(datasets.SHA256, TRAIN_IMAGES, "0" * 64)
    loaded = datasets.load_fashion_mnist(tmp_path, download=False, verify=False)
    np.testing.assert_array_equal(loaded[0], arrays[TRAIN_IMAGES])


# --- Where the data is looked for --------------------------------------------------------------


def test_search_order(places, small_data, monkeypatch):
    _, contents = small_data
    for place in ("env", "cache", "system"):
        write_folder(places[place], contents)
    monkeypatch.setenv("NNLIB_DATA", str(places["env"]))
    assert datasets.find_fashion_mnist() == places["env"]
    monkeypatch.delenv("NNLIB_DATA")
    assert datasets.find_fashion_mnist() == places["cache"]
    (places["cache"] / f"{TEST_LABELS}.gz").unlink()  # an incomplete folder does not count
    assert datasets.find_fashion_mnist() == places["system"]


def test_cache_defaults_to_home(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert datasets.user_cache_dir() == tmp_path / ".cache" / "nnlib" / "fashion-mnist"


def test_loads_from_nnlib_data(places, small_data, monkeypatch):
    arrays, contents = small_data
    write_folder(places["env"], contents, gz=False)
    monkeypatch.setenv("NNLIB_DATA", str(places["env"]))
    loaded = datasets.load_fashion_mnist(download=False)
    np.testing.assert_array_equal(loaded[3], arrays[TEST_LABELS])


def test_missing_everywhere_lists_places(places):
    with pytest.raises(DatasetError) as info:
        datasets.load_fashion_mnist(download=False)
    message = str(info.value)
    assert "not found" in message
    assert f"{places['cache']}: no such folder" in message
    assert f"{places['system']}: no such folder" in message
    assert "apt-get install dataset-fashion-mnist" in message and "NNLIB_DATA" in message


def test_partial_folder_names_missing_files(tmp_path, small_data):
    _, contents = small_data
    write_folder(tmp_path, {TRAIN_IMAGES: contents[TRAIN_IMAGES]})
    with pytest.raises(DatasetError, match=f"missing {TRAIN_LABELS}"):
        datasets.load_fashion_mnist(tmp_path, download=False)


# --- Downloading from a local server -----------------------------------------------------------


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve tmp_path/served on 127.0.0.1 and point $NNLIB_FASHION_MNIST_URL at it."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("NNLIB_FASHION_MNIST_URL", f"http://127.0.0.1:{httpd.server_port}/")
    yield root
    httpd.shutdown()
    httpd.server_close()


def test_download_into_cache(places, small_data, server, capsys):
    arrays, contents = small_data
    write_folder(server, contents)
    loaded = datasets.load_fashion_mnist()
    for name, array in zip(NAMES, loaded, strict=True):
        np.testing.assert_array_equal(array, arrays[name])
    assert sorted(os.listdir(places["cache"])) == sorted(f"{name}.gz" for name in NAMES)
    assert capsys.readouterr().err.count("Downloading") == 4


def test_download_with_bad_checksum_leaves_nothing(places, small_data, server, monkeypatch):
    _, contents = small_data
    write_folder(server, contents)
    monkeypatch.setitem(datasets.SHA256, TRAIN_LABELS, "0" * 64)
    with pytest.raises(DatasetError, match="checksum mismatch") as info:
        datasets.load_fashion_mnist(quiet=True)
    assert f"{TRAIN_LABELS}.gz" in str(info.value) and "downloading it failed" in str(info.value)
    # The file before it arrived whole; the bad one and any temporary file are absent.
    assert os.listdir(places["cache"]) == [f"{TRAIN_IMAGES}.gz"]


def test_download_write_failure_leaves_nothing(places, small_data, server, monkeypatch):
    _, contents = small_data
    write_folder(server, contents)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(datasets.os, "replace", broken_replace)
    with pytest.raises(DatasetError, match="No space left"):
        datasets.load_fashion_mnist(quiet=True)
    assert os.listdir(places["cache"]) == []


def test_download_resumes_missing_files_only(places, small_data, server):
    _, contents = small_data
    write_folder(server, contents)
    write_folder(places["cache"], {TRAIN_IMAGES: contents[TRAIN_IMAGES]}, gz=False)
    datasets.download_fashion_mnist(quiet=True)
    assert not (places["cache"] / f"{TRAIN_IMAGES}.gz").exists()
    assert len(os.listdir(places["cache"])) == 4


def test_download_fails_fast_when_offline(places, monkeypatch):
    with socket.socket() as sock:  # a port that was just free: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("NNLIB_FASHION_MNIST_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(DatasetError) as info:
        datasets.load_fashion_mnist(quiet=True)
    message = str(info.value)
    assert f"http://127.0.0.1:{port}/{TRAIN_IMAGES}.gz: could not download" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert not places["cache"].exists()


def test_download_missing_on_server(places, server):
    with pytest.raises(DatasetError, match="404"):
        datasets.download_fashion_mnist(quiet=True)


# --- nnlib data --------------------------------------------------------------------------------


def test_cli_offline_finds_real_data(capsys):
    assert main(["data", "--offline"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Fashion-MNIST is in ")
    assert out.count(" ok\n") == 4 and "(60000, 28, 28)" in out and "(10000,)" in out


def test_cli_quiet_prints_nothing(tmp_path, small_data, capsys):
    write_folder(tmp_path, small_data[1])
    assert main(["data", "--offline", "--quiet", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr() == ("", "")


def test_cli_dir_lists_files(tmp_path, small_data, capsys):
    write_folder(tmp_path, small_data[1], gz=False)
    assert main(["data", "--offline", "--dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Fashion-MNIST is in {tmp_path}"
    assert lines[1:] == [
        f"  {TRAIN_IMAGES}  (5, 28, 28)  ok",
        f"  {TRAIN_LABELS}  (5,)  ok",
        f"  {TEST_IMAGES}  (3, 28, 28)  ok",
        f"  {TEST_LABELS}  (3,)  ok",
    ]


def test_cli_offline_missing_fails(tmp_path, capsys):
    assert main(["data", "--offline", "--quiet", "--dir", str(tmp_path / "nothing")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not found" in captured.err and "no such folder" in captured.err
    assert "apt-get install dataset-fashion-mnist" in captured.err


def test_cli_corrupt_fails(tmp_path, small_data, monkeypatch, capsys):
    write_folder(tmp_path, small_data[1])
    monkeypatch.setitem(datasets.SHA256, TEST_IMAGES, "0" * 64)
    assert main(["data", "--offline", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{TEST_IMAGES}.gz: corrupt: checksum mismatch" in err


def test_cli_downloads_into_dir(tmp_path, small_data, server, capsys):
    write_folder(server, small_data[1])
    target = tmp_path / "into"
    assert main(["data", "--quiet", "--dir", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    assert sorted(os.listdir(target)) == sorted(f"{name}.gz" for name in NAMES)
