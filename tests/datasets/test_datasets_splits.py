"""The TFDS split grammar: index arithmetic (banker's rounding) and every error message."""
import re

import pytest

from chainrule.datasets import splits
from chainrule.datasets.info import SplitDict, SplitInfo
from chainrule.datasets.splits import AbsoluteRange, num_examples, resolve

SIZES = {"train": 100, "test": 10}
PARSE_PREFIX = "Error parsing split {!r}. See format at: https://www.tensorflow.org/datasets/splits\n"


@pytest.mark.parametrize("spec, expected", [
    ("train", [("train", 0, 100)]),
    ("test", [("test", 0, 10)]),
    ("train[10:20]", [("train", 10, 20)]),
    ("train[:20]", [("train", 0, 20)]),
    ("train[90:]", [("train", 90, 100)]),
    ("train[-5:]", [("train", 95, 100)]),
    ("train[:-5]", [("train", 0, 95)]),
    ("train[-10:-5]", [("train", 90, 95)]),
    ("train[:100]", [("train", 0, 100)]),
    ("train[-100:]", [("train", 0, 100)]),
    ("train[20:10]", [("train", 20, 10)]),  # empty, as in TFDS
    ("train[:80%]", [("train", 0, 80)]),
    ("train[80%:]", [("train", 80, 100)]),
    ("train[-20%:]", [("train", 80, 100)]),
    ("train[:-100%]", [("train", 0, 0)]),
    ("train[:33.5%]", [("train", 0, 34)]),  # 33.5 -> round half to even -> 34
    ("test[:25%]", [("test", 0, 2)]),  # 2.5 -> 2 (banker's rounding, not 3)
    ("test[:35%]", [("test", 0, 4)]),  # 3.5 -> 4
    ("test[15%:45%]", [("test", 2, 4)]),  # 1.5 -> 2, 4.5 -> 4
    ("train[:50%]+test", [("train", 0, 50), ("test", 0, 10)]),
    ("train[:50%] + test[-1:]", [("train", 0, 50), ("test", 9, 10)]),
    ("train[10:20]+train[-5:]", [("train", 10, 20), ("train", 95, 100)]),
    ("all", [("train", 0, 100), ("test", 0, 10)]),
    ("test+all", [("test", 0, 10), ("train", 0, 100), ("test", 0, 10)]),
])
def test_split_strings_resolve_to_index_ranges(spec, expected):
    assert resolve(spec, SIZES) == [AbsoluteRange(*r) for r in expected]


def test_lecture_80_20_split_of_cats_vs_dogs():
    sizes = {"train": 23262}
    assert num_examples("train[:80%]", sizes) == 18610  # round(18609.6)
    assert num_examples("train[80%:]", sizes) == 4652
    assert resolve("train[80%:]", sizes) == [AbsoluteRange("train", 18610, 23262)]


def test_rounding_is_pythons_round_on_pct_times_n_over_100():
    for n in (1, 2, 3, 7, 10, 99, 101, 2520, 23262):
        for pct in range(0, 101):
            expected = int(round(pct * n / 100.0))
            assert resolve(f"train[:{pct}%]", {"train": n})[0].stop == expected


def test_percent_bounds_share_the_unit_and_parse_as_floats():
    assert splits.parse("train[10%:20]") == [splits.ReadInstruction("train", 10.0, 20.0, "%")]
    assert repr(splits.parse("train[:50%]")[0]) == "ReadInstruction('train[:50%]', rounding='closest')"


@pytest.mark.parametrize("spec, error, message", [
    ("train[5]", ValueError, "Absolute or percent only support slice syntax."),
    ("train[5%]", ValueError, "Absolute or percent only support slice syntax."),
    ("all[:50%]", NotImplementedError,
     "'all' does not support slice. Please open a github issue if you need this feature."),
    ("train[:80%", ValueError, "Unrecognized split format: 'train[:80%'. See format at "
                               "https://www.tensorflow.org/datasets/splits"),
    ("train[a:b]", ValueError, "Unrecognized split format: 'train[a:b]'."),
    ("train[1:2:3]", ValueError, "Unrecognized split format: 'train[1:2:3]'."),
    ("train[:]", ValueError, "Unrecognized split format: 'train[:]'."),
    ("", ValueError, "Unrecognized split format: ''."),
    ("train test", ValueError, "Unrecognized split format: 'train test'."),
    ("train[:101%]", ValueError, "When unit=%, percent slice boundaries should be in "
                                 "[-100, 100]. Got: ReadInstruction('train[:101%]', "
                                 "rounding='closest')"),
])
def test_parse_errors_carry_the_tfds_prefix_and_message(spec, error, message):
    with pytest.raises(error) as err:
        resolve(spec, SIZES)
    assert str(err.value).startswith(PARSE_PREFIX.format(spec) + message)


@pytest.mark.parametrize("spec, message", [
    ("validation", "Unknown split 'validation'. Should be one of ['train', 'test']."),
    ("train[:101]", "Requested slice [:101] incompatible with 100 examples."),
    ("train[-101:]", "Requested slice [-101:100] incompatible with 100 examples."),
    ("test[5:11]", "Requested slice [5:11] incompatible with 10 examples."),
])
def test_resolution_errors_match_tfds(spec, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        resolve(spec, SIZES)


def test_shard_unit_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"'shard' unit.*e.g. 'train\[:10%\]'"):
        resolve("train[0shard:1shard]", SIZES)
    with pytest.raises(ValueError, match="'shard' unit"):
        resolve("train[1shard]", SIZES)


def test_split_dict_resolves_sub_splits_on_lookup():
    split_dict = SplitDict({"train": SplitInfo("train", 23262), "test": SplitInfo("test", 4)})
    assert split_dict["train"].num_examples == 23262
    assert split_dict["train[:80%]"].num_examples == 18610
    assert split_dict["train[80%:]+test"].num_examples == 4656
    assert split_dict.total_num_examples == 23266
