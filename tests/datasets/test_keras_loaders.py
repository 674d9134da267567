"""keras.datasets-style loaders: small files in the real formats, served from 127.0.0.1.

The real files are 11-170 MB and this machine is offline, so each test writes a few images in
the exact layout Keras downloads (mnist.npz; gzipped IDX; CIFAR's pickled batches in a
.tar.gz), points the loader's URL at the local server and its hash at the stand-in's own. The
URLs and hashes themselves are checked against the ones recorded from tf.keras 2.12's source.
"""
import gzip
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from chainrule.datasets import cifar, cifar10, cifar100, fashion_mnist, mnist
from tests.local_server import LocalServer
from tests.tf_reference import ref


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path / "home"))
    local = LocalServer()
    yield local
    local.close()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_urls_and_hashes_are_keras_own():
    assert ref("dsets/mnist") == {"urls": [mnist.ORIGIN_FOLDER], "hashes": [mnist.FILE_HASH],
                                  "files": []}
    assert ref("dsets/fashion_mnist") == {"urls": [fashion_mnist.ORIGIN_FOLDER], "hashes": [],
                                          "files": list(fashion_mnist.FILES)}
    for module in (cifar10, cifar100):
        name = module.__name__.split(".")[-1]
        assert ref(f"dsets/{name}") == {"urls": [module.ORIGIN], "hashes": [module.FILE_HASH],
                                        "files": []}


def test_mnist_downloads_once_and_keeps_keras_shapes(server, monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 3, dtype=np.uint8)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    server.files["/mnist.npz"] = buffer.getvalue()
    monkeypatch.setattr(mnist, "ORIGIN_FOLDER", server.url("/"))
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(buffer.getvalue()))
    (x, y), (xt, yt) = mnist.load_data()
    assert x.shape == (6, 28, 28) and x.dtype == np.uint8 and y.shape == (6,)
    assert yt.dtype == np.uint8 and np.array_equal(xt, arrays["x_test"])
    mnist.load_data()
    assert server.requests == ["/mnist.npz"]
    assert os.path.exists(tmp_path / "home" / "datasets" / "mnist.npz")


def test_an_offline_load_names_the_url_and_the_path_to_drop_the_file_into(
        server, monkeypatch, tmp_path):
    monkeypatch.setattr(mnist, "ORIGIN_FOLDER", server.url("/missing/"))
    with pytest.raises(ConnectionError) as info:
        mnist.load_data()
    message = str(info.value)
    assert server.url("/missing/mnist.npz") in message
    assert str(tmp_path / "home" / "datasets" / "mnist.npz") in message
    assert mnist.FILE_HASH in message


def idx_gz(array: np.ndarray, magic: int) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.tobytes())


def test_fashion_mnist_reads_gzipped_idx_files(server, monkeypatch):
    rng = np.random.default_rng(1)
    x, xt = (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (5, 2))
    y, yt = (rng.integers(0, 10, n, dtype=np.uint8) for n in (5, 2))
    for name, (array, magic) in zip(fashion_mnist.FILES, [(y, 2049), (x, 2051), (yt, 2049),
                                                          (xt, 2051)]):
        server.files[f"/{name}"] = idx_gz(array, magic)
    monkeypatch.setattr(fashion_mnist, "ORIGIN_FOLDER", server.url("/"))
    (gx, gy), (gxt, gyt) = fashion_mnist.load_data()
    assert gx.shape == (5, 28, 28) and gy.shape == (5,) and gy.dtype == np.uint8
    assert np.array_equal(gx, x) and np.array_equal(gyt, yt) and np.array_equal(gxt, xt)


def cifar_archive(top: str, batches: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in batches.items():
            data = pickle.dumps({k.encode(): v for k, v in content.items()}, protocol=2)
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_cifar10_gives_channels_last_images_and_column_labels(server, monkeypatch):
    rng = np.random.default_rng(2)
    batches = {f"data_batch_{i}": {"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8),
                                   "labels": [i % 10, (i + 3) % 10]} for i in range(1, 6)}
    batches["test_batch"] = {"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8),
                             "labels": [7, 8, 9]}
    body = cifar_archive(cifar10.DIRNAME, batches)
    server.files["/cifar-10-python.tar.gz"] = body
    monkeypatch.setattr(cifar10, "ORIGIN", server.url("/cifar-10-python.tar.gz"))
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256(body))
    (x, y), (xt, yt) = cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8
    assert y.shape == (10, 1) and y.dtype == np.uint8 and yt.ravel().tolist() == [7, 8, 9]
    first = batches["data_batch_1"]["data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(x[0], first) and y[:2, 0].tolist() == [1, 4]


def test_cifar100_fine_and_coarse_labels(server, monkeypatch):
    rng = np.random.default_rng(3)
    part = {"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), "fine_labels": [55, 99],
            "coarse_labels": [4, 19]}
    body = cifar_archive(cifar100.DIRNAME, {"train": part, "test": part})
    server.files["/c100.tar.gz"] = body
    monkeypatch.setattr(cifar100, "ORIGIN", server.url("/c100.tar.gz"))
    monkeypatch.setattr(cifar100, "FILE_HASH", sha256(body))
    (_, y), _ = cifar100.load_data()
    (_, yc), (xt, _) = cifar100.load_data(label_mode="coarse")
    assert y.ravel().tolist() == [55, 99] and yc.ravel().tolist() == [4, 19]
    assert xt.shape == (2, 32, 32, 3)
    with pytest.raises(ValueError, match="`label_mode` must be one of"):
        cifar100.load_data(label_mode="medium")


class Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_tampered_cifar_pickle_is_refused(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Boom(), b"labels": []}))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load it"):
        cifar.load_batch(str(path))
