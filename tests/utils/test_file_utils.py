"""get_file against a local HTTP server: caching, checksums, broken transfers, safe unpacking.

Nothing here touches the network: files are served from 127.0.0.1 (port 0) or file:// URLs.
"""
import hashlib
import io
import os
import socket
import tarfile
import zipfile
from pathlib import Path

import pytest

from chainrule.utils import get_file
from chainrule.utils.file_utils import (chainrule_home, extract_archive, file_url, hash_file,
                                        resolve_hash_algorithm, validate_file)
from tests.local_server import LocalServer

PAYLOAD = bytes(range(256)) * 300  # 76,800 bytes: more than one read chunk


@pytest.fixture
def server():
    s = LocalServer()
    yield s
    s.close()


def closed_port_url(name: str) -> str:
    """A URL nobody listens on: bind a free port, then release it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def leftovers(folder) -> list[str]:
    return [f for f in os.listdir(folder) if f.endswith(".part")]


def test_fresh_download_then_cached_without_request(server, tmp_path, capsys):
    server.files["/data.bin"] = PAYLOAD
    path = get_file("data.bin", origin=server.url("/data.bin"), cache_dir=tmp_path)
    assert path == os.path.join(tmp_path, "datasets", "data.bin")
    assert Path(path).read_bytes() == PAYLOAD
    out = capsys.readouterr().out
    assert f"Downloading data from {server.url('/data.bin')}\n" in out
    assert "76800/76800 [==============================]" in out
    assert get_file("data.bin", origin=server.url("/data.bin"), cache_dir=tmp_path) == path
    assert server.requests == ["/data.bin"]
    assert capsys.readouterr().out == ""


def test_file_name_defaults_to_the_url_basename_and_cache_subdir_is_used(server, tmp_path):
    server.files["/dir/weights.h5"] = b"w"
    path = get_file(origin=server.url("/dir/weights.h5"), cache_subdir="models",
                    cache_dir=tmp_path)
    assert path == os.path.join(tmp_path, "models", "weights.h5")
    with pytest.raises(ValueError, match="Can't parse the file name from the origin"):
        get_file(origin=server.url("/dir/"), cache_dir=tmp_path)
    with pytest.raises(ValueError, match='specify the "origin" argument'):
        get_file("x")


def test_chainrule_home_is_the_default_cache(server, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_HOME", str(tmp_path / "home"))
    server.files["/a.txt"] = b"abc"
    assert chainrule_home() == str(tmp_path / "home")
    assert get_file("a.txt", server.url("/a.txt")) == str(tmp_path / "home" / "datasets" / "a.txt")


def test_default_home_is_dot_chainrule(monkeypatch):
    monkeypatch.delenv("CHAINRULE_HOME", raising=False)
    assert chainrule_home() == os.path.join(os.path.expanduser("~"), ".chainrule")


@pytest.mark.parametrize("algorithm", ["md5", "sha256"])
def test_hash_is_verified_and_its_algorithm_read_from_its_length(server, tmp_path, algorithm):
    server.files["/f"] = PAYLOAD
    digest = hashlib.new(algorithm, PAYLOAD).hexdigest()
    assert resolve_hash_algorithm(digest) == algorithm
    path = get_file("f", server.url("/f"), file_hash=digest.upper(), cache_dir=tmp_path)
    assert hash_file(path, algorithm) == digest
    assert validate_file(path, digest)
    get_file("f", server.url("/f"), file_hash=digest, cache_dir=tmp_path)
    assert len(server.requests) == 1  # right hash on disk: no second download


def test_md5_hash_argument_is_the_keras_1_spelling(server, tmp_path):
    server.files["/f"] = PAYLOAD
    path = get_file("f", server.url("/f"), md5_hash=hashlib.md5(PAYLOAD).hexdigest(),
                    cache_dir=tmp_path)
    assert os.path.exists(path)


def test_wrong_hash_raises_and_keeps_no_file(server, tmp_path):
    server.files["/f"] = PAYLOAD
    with pytest.raises(ValueError, match="The sha256 file hash does not match the provided "
                                         "value of 0{64}"):
        get_file("f", server.url("/f"), file_hash="0" * 64, cache_dir=tmp_path)
    folder = tmp_path / "datasets"
    assert not (folder / "f").exists()
    assert leftovers(folder) == []


def test_stale_local_file_is_downloaded_again(server, tmp_path, capsys):
    server.files["/f"] = PAYLOAD
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "f").write_bytes(b"old version")
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    path = get_file("f", server.url("/f"), file_hash=digest, cache_dir=tmp_path)
    assert Path(path).read_bytes() == PAYLOAD
    assert "A local file was found, but it seems to be incomplete or outdated" in \
        capsys.readouterr().out


def test_hash_of_unknown_length_needs_an_explicit_algorithm(server, tmp_path):
    with pytest.raises(ValueError, match="expected 32 hex digits .md5. or 64 .sha256., "
                                         "received 5 characters"):
        get_file("f", server.url("/f"), file_hash="abcde", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="hash_algorithm must be 'md5', 'sha256' or 'auto'"):
        resolve_hash_algorithm("0" * 64, "sha1")


def test_truncated_transfer_leaves_nothing_and_says_so(server, tmp_path):
    server.files["/big.zip"] = PAYLOAD[:5000]
    server.claimed["/big.zip"] = 10000  # the server promises more than it sends, then closes
    url = server.url("/big.zip")
    with pytest.raises(ConnectionError, match="transfer ended early: received 5000 of 10000"):
        get_file("big.zip", url, cache_dir=tmp_path)
    folder = tmp_path / "datasets"
    assert not (folder / "big.zip").exists()
    assert leftovers(folder) == []


def test_http_error_names_the_url(server, tmp_path):
    url = server.url("/missing.zip")
    with pytest.raises(ConnectionError, match=f"URL fetch failure on {url}: 404"):
        get_file("missing.zip", url, cache_dir=tmp_path)
    assert not (tmp_path / "datasets" / "missing.zip").exists()


def test_offline_error_names_url_and_manual_path_and_manual_copy_works(tmp_path):
    url = closed_port_url("rps.zip")
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    manual = os.path.join(tmp_path, "datasets", "rps.zip")
    with pytest.raises(ConnectionError) as err:
        get_file("rps.zip", url, file_hash=digest, cache_dir=tmp_path)
    message = str(err.value)
    assert f"URL fetch failure on {url}" in message
    assert f"copy it to {manual} (its sha256 hash must be {digest})" in message
    with open(manual, "wb") as f:  # what the user does by hand
        f.write(PAYLOAD)
    assert get_file("rps.zip", url, file_hash=digest, cache_dir=tmp_path) == manual


def test_file_urls_are_fetched_too(tmp_path):
    source = tmp_path / "mirror" / "x.bin"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    path = get_file("x.bin", file_url(source), cache_dir=tmp_path / "cache")
    assert Path(path).read_bytes() == PAYLOAD


def make_zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def make_tar(members: dict, links: dict | None = None, hard_links: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for kind, table in ((tarfile.SYMTYPE, links or {}), (tarfile.LNKTYPE, hard_links or {})):
            for name, target in table.items():
                info = tarfile.TarInfo(name)
                info.type, info.linkname = kind, target
                tf.addfile(info)
    return buffer.getvalue()


def test_extract_zip_into_the_cache_folder(server, tmp_path):
    server.files["/pack.zip"] = make_zip({"pack/a/1.txt": b"one", "pack/b/2.txt": b"two"})
    path = get_file("pack.zip", server.url("/pack.zip"), extract=True, cache_dir=tmp_path)
    assert path == os.path.join(tmp_path, "datasets", "pack.zip")
    assert (tmp_path / "datasets" / "pack" / "b" / "2.txt").read_bytes() == b"two"


def test_untar_returns_the_unpacked_folder(server, tmp_path):
    server.files["/flowers.tgz"] = make_tar({"flowers/rose/1.txt": b"r"},
                                            links={"flowers/link": "rose/1.txt"})
    path = get_file("flowers", server.url("/flowers.tgz"), untar=True, cache_dir=tmp_path)
    assert path == os.path.join(tmp_path, "datasets", "flowers")
    assert os.path.exists(os.path.join(tmp_path, "datasets", "flowers.tar.gz"))
    assert Path(os.path.join(path, "rose", "1.txt")).read_bytes() == b"r"
    assert Path(os.path.join(path, "link")).read_bytes() == b"r"  # inside links are fine


def test_archive_format_none_does_not_extract(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(make_zip({"x.txt": b"x"}))
    assert extract_archive(archive, tmp_path / "out", archive_format=None) is False
    assert extract_archive(archive, tmp_path / "out", archive_format="tar") is False
    with pytest.raises(ValueError, match="archive_format must be"):
        extract_archive(archive, tmp_path / "out", archive_format="rar")


@pytest.mark.parametrize("archive_bytes, bad", [
    (make_zip({"ok.txt": b"1", "../evil.txt": b"2"}), "'../evil.txt'"),
    (make_zip({"/abs/evil.txt": b"2"}), "'/abs/evil.txt'"),
    (make_tar({"ok.txt": b"1", "a/../../evil.txt": b"2"}), "'a/../../evil.txt'"),
    (make_tar({"/etc/evil": b"2"}), "'/etc/evil'"),
    (make_tar({}, links={"escape": "../../outside"}), "link 'escape' -> "),
    (make_tar({}, links={"abs": "/etc/passwd"}), "link 'abs' -> "),
    (make_tar({}, hard_links={"hard": "../outside"}), "hard link 'hard' -> "),
], ids=["zip-dotdot", "zip-absolute", "tar-dotdot", "tar-absolute", "tar-symlink",
        "tar-absolute-symlink", "tar-hardlink"])
def test_members_escaping_the_target_are_refused_before_anything_is_written(
        tmp_path, archive_bytes, bad):
    archive = tmp_path / "evil.archive"
    archive.write_bytes(archive_bytes)
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(ValueError, match=f"Refusing to extract .*{bad}.*would be written "
                                         f"outside"):
        extract_archive(archive, target)
    assert list(target.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_interrupted_download_leaves_no_file(server, tmp_path, monkeypatch):
    from chainrule.utils import file_utils

    def interrupted_copy(response, out, total):
        out.write(response.read(1000))
        raise KeyboardInterrupt  # Ctrl-C in the middle of the transfer

    server.files["/f"] = PAYLOAD
    monkeypatch.setattr(file_utils, "_copy_with_progress", interrupted_copy)
    with pytest.raises(KeyboardInterrupt):
        get_file("f", server.url("/f"), cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []
