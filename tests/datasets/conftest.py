"""Tiny stand-in archives in the real layouts, served from 127.0.0.1, wired into the builders.

The real archives are hundreds of megabytes and this machine has no internet, so each test
builds a zip with a few small PNG/JPEGs (Pillow) and points the builder's `resources` at a local
HTTP server (port 0), with the stand-in's own size and sha256.
"""
import hashlib
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from chainrule.datasets.builder import Resource
from tests.local_server import LocalServer


@pytest.fixture
def server():
    """`.files` ({'/name': bytes}), `.requests` (paths asked for), `.url(path)`."""
    local = LocalServer()
    yield local
    local.close()


def image_bytes(fmt: str, seed: int, size=(7, 5), mode="RGB") -> bytes:
    """A small random image encoded as PNG or JPEG (Pillow writes JPEGs with a JFIF header)."""
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "RGBA": 4}[mode]
    pixels = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def make_zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def rps_members(top: str, per_class: int) -> dict:
    members = {f"{top}/{label}/{label}{i:02d}-x.png": image_bytes("PNG", 10 * k + i)
               for k, label in enumerate(("rock", "paper", "scissors"))
               for i in range(per_class)}
    members[f"{top}/rock/rock99-alpha.png"] = image_bytes("PNG", 99, mode="RGBA")
    return members


def horses_members(n_horses: int, n_humans: int) -> dict:
    members = {f"horses/horse{i:02d}-1.png": image_bytes("PNG", i) for i in range(n_horses)}
    members.update({f"humans/human{i:02d}-1.png": image_bytes("PNG", 50 + i)
                    for i in range(n_humans)})
    return members


def cats_members() -> dict:
    """4 JFIF JPEGs kept; a PNG named .jpg, an empty file and an EXIF-only header skipped."""
    return {
        "PetImages/Cat/0.jpg": image_bytes("JPEG", 1),
        "PetImages/Cat/1.jpg": image_bytes("JPEG", 2),
        "PetImages/Cat/2.jpg": image_bytes("PNG", 3),
        "PetImages/Cat/Thumbs.db": b"not an example",
        "PetImages/Dog/0.jpg": image_bytes("JPEG", 4),
        "PetImages/Dog/1.jpg": b"",
        "PetImages/Dog/2.jpg": image_bytes("JPEG", 5),
        "PetImages/Dog/3.jpg": b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00" + b"\x00" * 600,
        "readme[1].txt": b"Microsoft readme",
    }


@pytest.fixture
def serve(server, monkeypatch):
    """`serve(BuilderClass, {split: zip bytes})`: serve stand-ins and point the builder at them."""

    def install(builder_cls, archives: dict, real_names: bool = True):
        resources = {}
        for split, data in archives.items():
            fname = builder_cls.resources[split].fname if real_names else f"{split}.zip"
            server.files[f"/{fname}"] = data
            resources[split] = Resource(server.url(f"/{fname}"), len(data),
                                        hashlib.sha256(data).hexdigest())
        monkeypatch.setattr(builder_cls, "resources", resources)
        return resources

    return install
