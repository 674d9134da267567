"""Download a file once, check it, and unpack it safely: `get_file`, as in Keras.

Three promises, because a half-downloaded dataset is the most confusing failure there is:

1. Nothing half-written ever sits under the final name. Bytes go to a temporary file in the same
   folder, are flushed to disk, checked (length, then hash) and only then renamed into place.
2. A file that is already there with the right hash is used as is, without touching the network;
   so a machine without internet works once the file has been copied into the cache by hand.
   Every download error names the URL and that exact path.
3. Archives are checked before anything is written: a member with an absolute path, a `..`
   component or a link that points outside the target folder is refused.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from chainrule.utils.progbar import Progbar

CHUNK_SIZE = 64 * 1024
HASH_LENGTHS = {32: "md5", 64: "sha256"}


def chainrule_home() -> str:
    """The cache root: `$CHAINRULE_HOME` when set, else `~/.chainrule` (Keras uses `~/.keras`)."""
    return os.environ.get("CHAINRULE_HOME") or os.path.join(os.path.expanduser("~"), ".chainrule")


cache_root = chainrule_home  # the name the command line uses


def get_file(fname: str | None = None, origin: str | None = None, untar: bool = False,
             md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto", extract: bool = False,
             archive_format: str | None = "auto",
             cache_dir: str | os.PathLike | None = None) -> str:
    """Download `origin` into the cache unless it is already there, and return the local path.

    Args:
        fname: File name in the cache (an absolute path is used as is). `None`: the URL's.
        origin: `http://`, `https://` or `file://` URL of the file.
        untar: Old spelling of `extract` for `.tar.gz`: the file is stored as
            `fname + '.tar.gz'`, unpacked next to it, and the path `fname` is returned.
        md5_hash: Deprecated; same as `file_hash` with `hash_algorithm='md5'`.
        file_hash: Expected hash; with 'auto', 32 hex digits mean md5 and 64 sha256.
        cache_subdir: Sub-folder of the cache the file goes to.
        hash_algorithm: 'md5', 'sha256' or 'auto'.
        extract: Whether to unpack the file (tar or zip) into the folder it was saved in.
        archive_format: 'auto' (tar, then zip), 'tar', 'zip', a list of those, or `None`.
        cache_dir: Cache root. `None` means `$CHAINRULE_HOME` or `~/.chainrule`.

    Raises:
        ValueError: The hash does not match, or an archive member would escape the folder.
        ConnectionError: The URL could not be fetched, or the transfer ended early.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    fname = _file_name(fname, origin)
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = resolve_hash_algorithm(file_hash, hash_algorithm) if file_hash else None
    datadir = _cache_folder(cache_dir, cache_subdir)
    fpath = os.path.join(datadir, fname + ".tar.gz" if untar else fname)
    if not _cached_file_is_usable(fpath, file_hash, algorithm):
        _download(origin, fpath, file_hash, algorithm)
    return _unpack(fpath, datadir, fname, untar, extract, archive_format)


def _unpack(fpath: str, datadir: str, fname: str, untar: bool, extract: bool,
            archive_format) -> str:
    """Keras' two unpacking modes; returns what `get_file` returns."""
    if untar:
        untar_path = os.path.join(datadir, fname)
        if not os.path.exists(untar_path):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_path
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath


def resolve_hash_algorithm(file_hash: str, hash_algorithm: str = "auto") -> str:
    """'md5' or 'sha256'; 'auto' decides by the length of `file_hash` (32 or 64 hex digits).

    >>> resolve_hash_algorithm("0" * 64), resolve_hash_algorithm("0" * 32)
    ('sha256', 'md5')
    """
    if hash_algorithm in ("md5", "sha256"):
        return hash_algorithm
    if hash_algorithm != "auto":
        raise ValueError(
            f"hash_algorithm must be 'md5', 'sha256' or 'auto'. Received: "
            f"hash_algorithm={hash_algorithm!r}"
        )
    algorithm = HASH_LENGTHS.get(len(file_hash))
    if algorithm is None:
        raise ValueError(
            f"Cannot tell the hash algorithm of file_hash={file_hash!r}: expected 32 hex digits "
            f"(md5) or 64 (sha256), received {len(file_hash)} characters. Pass "
            f"hash_algorithm='md5' or 'sha256' explicitly."
        )
    return algorithm


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256",
              chunk_size: int = CHUNK_SIZE) -> str:
    """Hex digest of a file, read in chunks so that large archives need little memory."""
    hasher = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = CHUNK_SIZE) -> bool:
    """Whether the file's hash equals `file_hash` (compared case-insensitively)."""
    algorithm = resolve_hash_algorithm(file_hash, algorithm)
    return hash_file(fpath, algorithm, chunk_size) == file_hash.lower()


def _file_name(fname, origin: str) -> str:
    if fname:
        return os.fspath(fname)
    name = os.path.basename(urllib.parse.urlparse(origin).path)
    if not name:
        raise ValueError(
            f"Can't parse the file name from the origin provided: '{origin}'. "
            f"Please specify the `fname` as the input param."
        )
    return name


def _cache_folder(cache_dir, cache_subdir: str) -> str:
    """`cache_dir/cache_subdir`, created; a temporary folder when the cache is read-only."""
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else chainrule_home()
    datadir = os.path.join(base, cache_subdir)
    try:
        os.makedirs(datadir, exist_ok=True)
    except PermissionError:  # Keras falls back to /tmp/.keras in the same situation
        datadir = os.path.join(tempfile.gettempdir(), ".chainrule", cache_subdir)
        os.makedirs(datadir, exist_ok=True)
    return datadir


def _cached_file_is_usable(fpath: str, file_hash, algorithm) -> bool:
    if not os.path.exists(fpath):
        return False
    if file_hash is None or validate_file(fpath, file_hash, algorithm):
        return True
    print(
        f"A local file was found, but it seems to be incomplete or outdated because the "
        f"{algorithm} file hash does not match the original value of {file_hash} so we will "
        f"re-download the data."
    )
    return False


def _download(origin: str, fpath: str, file_hash, algorithm) -> None:
    """Fetch into `<fpath>.<random>.part`, verify, then rename; the part file never survives."""
    print(f"Downloading data from {origin}")
    fd, part = tempfile.mkstemp(prefix=os.path.basename(fpath) + ".", suffix=".part",
                                dir=os.path.dirname(fpath))
    try:
        with os.fdopen(fd, "wb") as out:
            _fetch(origin, out, fpath, file_hash, algorithm)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(part, 0o644)  # mkstemp makes it private; a cache file is an ordinary file
        if file_hash and not validate_file(part, file_hash, algorithm):
            raise ValueError(
                f"Incomplete or corrupted file detected. The {algorithm} file hash does not "
                f"match the provided value of {file_hash}. Downloaded from {origin}; the file "
                f"was deleted. Check the URL and the hash, or retry if the server is flaky."
            )
        os.replace(part, fpath)
    finally:
        if os.path.exists(part):
            os.remove(part)


def _fetch(origin: str, out, fpath: str, file_hash, algorithm) -> None:
    """Stream the URL into `out` with a Keras progress bar; any failure becomes one clear error."""
    try:
        with urllib.request.urlopen(origin) as response:
            total = _content_length(response)
            received = _copy_with_progress(response, out, total)
    except urllib.error.HTTPError as e:
        e.close()  # the error carries the open response
        raise ConnectionError(_fetch_failure(origin, f"{e.code} -- {e.msg}", fpath, file_hash,
                                             algorithm)) from e
    except urllib.error.URLError as e:
        raise ConnectionError(_fetch_failure(origin, f"{e.errno} -- {e.reason}", fpath,
                                             file_hash, algorithm)) from e
    except (http.client.HTTPException, OSError) as e:
        raise ConnectionError(_fetch_failure(origin, f"transfer interrupted ({e!r})", fpath,
                                             file_hash, algorithm)) from e
    if total is not None and received != total:
        reason = f"transfer ended early: received {received} of {total} bytes"
        raise ConnectionError(_fetch_failure(origin, reason, fpath, file_hash, algorithm))


def _fetch_failure(origin: str, reason: str, fpath: str, file_hash, algorithm) -> str:
    check = f" (its {algorithm} hash must be {file_hash})" if file_hash else ""
    return (
        f"URL fetch failure on {origin}: {reason}. Nothing was saved. If this machine is "
        f"offline, download the file on another machine and copy it to {fpath}{check}; it is "
        f"then used without any network access."
    )


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _copy_with_progress(response, out, total: int | None) -> int:
    """Copy in chunks, drawing the bar Keras draws for `get_file` (bytes as steps)."""
    progbar = Progbar(total)
    received = 0
    for chunk in iter(lambda: response.read(CHUNK_SIZE), b""):
        out.write(chunk)
        received += len(chunk)
        if total is None or received < total:
            progbar.update(received)
    if total is None or received == total:
        progbar.update(received, finalize=True)
    return received


def extract_archive(file_path: str | os.PathLike, path: str | os.PathLike = ".",
                    archive_format: str | list | None = "auto") -> bool:
    """Unpack a tar (any compression) or zip archive into `path` after checking every member.

    Returns:
        True if the file was an archive of an accepted format and was unpacked, else False.

    Raises:
        ValueError: A member would land outside `path`; then nothing at all is unpacked.
    """
    formats = _archive_formats(archive_format)
    file_path, path = os.fspath(file_path), os.fspath(path)
    if "tar" in formats and tarfile.is_tarfile(file_path):
        with tarfile.open(file_path) as archive:
            _check_tar_members(archive, file_path, path)
            archive.extractall(path, filter="data")  # refuses devices and odd modes as well
        return True
    if "zip" in formats and zipfile.is_zipfile(file_path):
        with zipfile.ZipFile(file_path) as archive:
            for name in archive.namelist():
                _check_member_path(name, file_path, path)
            archive.extractall(path)
        return True
    return False


def _archive_formats(archive_format) -> tuple[str, ...]:
    if archive_format is None:
        return ()
    if archive_format == "auto":
        return ("tar", "zip")
    formats = (archive_format,) if isinstance(archive_format, str) else tuple(archive_format)
    unknown = [f for f in formats if f not in ("tar", "zip")]
    if unknown:
        raise ValueError(
            f"archive_format must be 'auto', 'tar', 'zip', a list of those, or None. "
            f"Received: archive_format={archive_format!r}"
        )
    return formats


def _check_tar_members(archive: tarfile.TarFile, file_path: str, target: str) -> None:
    for member in archive.getmembers():
        _check_member_path(member.name, file_path, target)
        if member.issym():  # a symlink's target is relative to the link's own folder
            link = str(PurePosixPath(member.name).parent / member.linkname)
            _check_member_path(link, file_path, target, f"link {member.name!r} -> ", links=True)
        elif member.islnk():  # a hard link's target is relative to the archive root
            _check_member_path(member.linkname, file_path, target,
                               f"hard link {member.name!r} -> ", links=True)


def _check_member_path(name: str, file_path: str, target: str, what: str = "member ",
                       links: bool = False) -> None:
    """Refuse absolute names, drive letters, `..` parts, and names resolving outside `target`.

    A link target may use `..` (`a/b -> ../c`) as long as it resolves inside `target`.
    """
    dotdot = ".." in PureWindowsPath(name).parts and not links  # splits on '/' and '\\'
    root = os.path.realpath(target)
    inside = os.path.realpath(os.path.join(root, name))
    escapes = os.path.commonpath([root, inside]) != root
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or dotdot or escapes:
        raise ValueError(
            f"Refusing to extract {file_path}: {what}{name!r} would be written outside "
            f"{target} (absolute path, '..' component or escaping link); nothing was extracted. "
            f"Unpack it by hand only if you trust where it came from."
        )


def file_url(path: str | os.PathLike) -> str:
    """`file://` URL of a local path, e.g. to point `get_file` at a mirror on disk.

    >>> file_url("/data/rps.zip")
    'file:///data/rps.zip'
    """
    return Path(os.path.abspath(path)).as_uri()
