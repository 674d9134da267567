"""Dataset behaviour against TensorFlow 2.12's tf.data, recorded by
tests/fixtures/make_tf_image_reference.py: element structures, dtypes, values, cardinality."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import Dataset

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _load_maker():
    """The fixture script itself (it imports TensorFlow only in main()), for its case lists."""
    spec = importlib.util.spec_from_file_location(
        "make_tf_image_reference", FIXTURES / "make_tf_image_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKER = _load_maker()
NAMES = {"D": Dataset, "np": np}


@pytest.fixture(scope="module")
def ref():
    with np.load(FIXTURES / "tf_image_reference.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.mark.parametrize("case", sorted(MAKER.DATA_CASES))
def test_elements_match_tensorflow(ref, case):
    expr = MAKER.DATA_CASES[case]
    assert str(ref[f"data/{case}/expr"]) == expr
    elements = list(eval(expr, NAMES))                       # noqa: S307 - fixture constants
    signature = "; ".join(MAKER.signature(e) for e in elements)
    assert signature == str(ref[f"data/{case}/signature"])
    for i, element in enumerate(elements):
        for path, leaf in MAKER.leaves(element):
            expected = ref[f"data/{case}/{i}/{path}"]
            assert leaf.dtype == expected.dtype, f"element {i} leaf {path}"
            np.testing.assert_array_equal(leaf, expected)


def test_cardinality_matches_tensorflow(ref):
    exprs = [str(e) for e in ref["cardinality/exprs"]]
    ours = [int(eval(e, NAMES).cardinality()) for e in exprs]   # noqa: S307
    mismatched = [(e, o, int(t)) for e, o, t in zip(exprs, ours, ref["cardinality/values"])
                  if o != t]
    assert not mismatched


@pytest.mark.parametrize("key, expr", [("infinite", "D.range(3).repeat()"),
                                       ("unknown", "D.range(3).filter(lambda x: x > 0)")])
def test_len_errors_start_with_tensorflows_message(ref, key, expr):
    with pytest.raises(TypeError) as info:
        len(eval(expr, NAMES))                                  # noqa: S307
    assert str(info.value).startswith(str(ref[f"len_error/{key}"]))
