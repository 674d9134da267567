"""to_categorical and normalize against keras.utils 2.12 (recorded)."""
import numpy as np
import pytest

from chainrule.utils import normalize, to_categorical
from tests.tf_reference import X, ref


@pytest.mark.parametrize("case", ["flat", "column", "matrix"])
def test_to_categorical_matches_keras(case):
    out = to_categorical(ref(f"cat/{case}/in"))
    expected = ref(f"cat/{case}/out")
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(to_categorical([1, 0], num_classes=4),
                                  ref("cat/num_classes/out"))


def test_to_categorical_refuses_labels_outside_the_classes():
    with pytest.raises(ValueError, match=r"in \[0, num_classes\)"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="integer class indices"):
        to_categorical([0.5, 1.0])


def test_normalize_matches_keras():
    np.testing.assert_allclose(normalize(X), ref("norm/out"), rtol=1e-6)
    np.testing.assert_allclose(normalize(X, axis=0, order=1), ref("norm/out_axis0_l1"),
                               rtol=1e-6)
