"""Rock, paper, scissors: CGI hands on white, 300x300 PNG (Laurence Moroney, CC BY 2.0).

KERAS_SPEC 9.3: `rps.zip` holds `rps/{rock,paper,scissors}/*.png`, 840 each (train, 2,520);
`rps-test-set.zip` holds `rps-test-set/...`, 124 each (test, 372).

Labels follow TFDS: rock=0, paper=1, scissors=2. `flow_from_directory` on the same folders sorts
class names instead and gives paper=0, rock=1, scissors=2.
"""
import re

from chainrule.datasets.builder import ArchiveImageBuilder, Resource

_BASE = "https://storage.googleapis.com/download.tensorflow.org/data/"


class RockPaperScissors(ArchiveImageBuilder):
    """Images of hands playing rock, paper, scissors (TFDS `rock_paper_scissors`)."""

    name = "rock_paper_scissors"
    description = "Images of hands playing rock, paper, scissor game."
    homepage = "http://laurencemoroney.com/rock-paper-scissors-dataset"
    citation = """@ONLINE {rps,
author = "Laurence Moroney",
title = "Rock, Paper, Scissors Dataset",
month = "feb",
year = "2019",
url = "http://laurencemoroney.com/rock-paper-scissors-dataset"
}"""
    label_names = ("rock", "paper", "scissors")
    split_names = ("train", "test")
    image_shape = (300, 300, 3)
    # Sizes from KERAS_SPEC 9.3; sha256 from TFDS' url_checksums/rock_paper_scissors.txt (the
    # rps.zip one agrees with the prefix and suffix KERAS_SPEC quotes).
    resources = {
        "train": Resource(_BASE + "rps.zip", 200_682_221,
                          "c2403444395842ad04c53612bad54b574443eae17a0723117a2ff87b9d72194f"),
        "test": Resource(_BASE + "rps-test-set.zip", 29_516_758,
                         "c27ab9fa43ce40b2e453de711365b477f4424586edf0388116674fd320f07503"),
    }
    name_re = re.compile(r"^(rps|rps-test-set)[/\\](?P<label>rock|paper|scissors)[/\\][\w-]*\.png$")
    folder_prefix = {"train": "rps", "test": "rps-test-set"}
