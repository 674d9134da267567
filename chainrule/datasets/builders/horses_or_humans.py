"""Horses or humans: CGI renders, 300x300 PNG (Laurence Moroney, CC BY 2.0).

KERAS_SPEC 9.4: `horse-or-human.zip` has top-level `horses/` (500) and `humans/` (527) with no
enclosing folder (train, 1,027); `validation-horse-or-human.zip` has 128 + 128 (test, 256).
Labels: horses=0, humans=1, as TFDS and as flow_from_directory. Only `horses/*.png` and
`humans/*.png` at the top level count, so a stray nested copy of the folders is ignored (and
`get_directory` then builds clean class folders instead of returning the unpacked zip).
"""
import re

from chainrule.datasets.builder import ArchiveImageBuilder, Resource

_BASE = "https://storage.googleapis.com/download.tensorflow.org/data/"


class HorsesOrHumans(ArchiveImageBuilder):
    """Images of horses and humans (TFDS `horses_or_humans`)."""

    name = "horses_or_humans"
    description = "A large set of images of horses and humans."
    homepage = "http://laurencemoroney.com/horses-or-humans-dataset"
    citation = """@ONLINE {horses_or_humans,
author = "Laurence Moroney",
title = "Horses or Humans Dataset",
month = "feb",
year = "2019",
url = "http://laurencemoroney.com/horses-or-humans-dataset"
}"""
    label_names = ("horses", "humans")
    split_names = ("train", "test")
    image_shape = (300, 300, 3)
    # Sizes from KERAS_SPEC 9.4; sha256 from TFDS' url_checksums/horses_or_humans.txt, which
    # lists the same URLs and byte sizes.
    resources = {
        "train": Resource(_BASE + "horse-or-human.zip", 149_574_867,
                          "e2e6f70d3d549c5dd10a57165e55af253ee66ad750403f95c0fb76bb943633a9"),
        "test": Resource(_BASE + "validation-horse-or-human.zip", 11_480_187,
                         "ae5fff2f4f5554791f05358108e2e05d9801b191f1896ea101402f0e7f6c32c0"),
    }
    name_re = re.compile(r"^(?P<label>humans|horses)[/\\][\w-]*\.png$")
    folder_prefix = {}  # the class folders sit at the top of the archive
