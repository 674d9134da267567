"""Metric objects: running means, accuracy resolution, precision/recall/AUC by hand."""
import numpy as np
import pytest

from chainrule import metrics


def test_mean_is_weighted_by_sample_weight():
    m = metrics.Mean()
    m.update_state([1.0, 3.0])
    m.update_state([10.0], sample_weight=[2.0])
    assert m.result() == pytest.approx((1 + 3 + 20) / 4)
    m.reset_state()
    assert m.result() == 0.0


@pytest.mark.parametrize("true_shape, pred_shape, expected", [
    ((4, 1), (4, 1), metrics.binary_accuracy),
    ((4,), (4, 3), metrics.sparse_categorical_accuracy),
    ((4, 1), (4, 3), metrics.sparse_categorical_accuracy),
    ((4, 3), (4, 3), metrics.categorical_accuracy),
])
def test_acc_is_resolved_from_shapes_like_keras(true_shape, pred_shape, expected):
    metric = metrics.resolve("acc", true_shape, pred_shape)
    assert metric.fn is expected and metric.name == "acc"


def test_precision_and_recall_count_by_hand():
    y_true = np.array([1, 1, 0, 0, 1])
    y_pred = np.array([0.9, 0.2, 0.7, 0.1, 0.6])        # tp 2, fp 1, fn 1
    assert metrics.Precision()(y_true, y_pred) == pytest.approx(2 / 3)
    assert metrics.Recall()(y_true, y_pred) == pytest.approx(2 / 3)


def test_auc_of_a_perfect_and_a_reversed_ranking():
    y_true = np.array([0, 0, 1, 1])
    assert metrics.AUC()(y_true, np.array([0.1, 0.2, 0.8, 0.9])) == pytest.approx(1.0)
    assert metrics.AUC()(y_true, np.array([0.9, 0.8, 0.2, 0.1])) == pytest.approx(0.0)


def test_auc_matches_the_rank_statistic_on_random_scores(rng):
    y_true = rng.integers(0, 2, 400)
    scores = rng.random(400)
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    mann_whitney = (pos[:, None] > neg[None, :]).mean()
    assert metrics.AUC(num_thresholds=2000)(y_true, scores) == pytest.approx(mann_whitney, abs=2e-3)


def test_unknown_metric_name_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown metric function: 'acuracy'"):
        metrics.resolve("acuracy", (2, 3), (2, 3))


@pytest.mark.parametrize("cls, expected", [
    (metrics.MeanSquaredError, lambda t, p: np.mean((t - p) ** 2)),
    (metrics.MeanAbsoluteError, lambda t, p: np.mean(np.abs(t - p))),
    (metrics.Accuracy, lambda t, p: np.mean(t == p)),
])
def test_loss_like_metric_classes_average_over_samples(rng, cls, expected):
    y_true = rng.integers(0, 3, (6, 2)).astype("float64")
    y_pred = rng.integers(0, 3, (6, 2)).astype("float64")
    m = cls()
    m.update_state(y_true[:4], y_pred[:4])
    m.update_state(y_true[4:], y_pred[4:])
    assert m.result() == pytest.approx(expected(y_true, y_pred))
    assert m.name == {"MeanSquaredError": "mean_squared_error", "Accuracy": "accuracy",
                      "MeanAbsoluteError": "mean_absolute_error"}[cls.__name__]


def test_crossentropy_metric_and_sum():
    m = metrics.SparseCategoricalCrossentropy()
    m.update_state(np.array([[0], [1]]), np.array([[0.8, 0.2], [0.4, 0.6]]))
    assert m.result() == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2, rel=1e-6)
    total = metrics.Sum()
    total.update_state([1.0, 2.0])
    total.update_state([3.0])
    assert total.result() == 6.0


def test_metric_state_from_add_weight_resets_and_has_keras_names():
    class Largest(metrics.Metric):
        def __init__(self, name="largest", **kwargs):
            super().__init__(name=name, **kwargs)
            self.best = self.add_weight(name="best", shape=(2,), initializer="zeros")

        def update_state(self, values):
            self.best.assign(np.maximum(self.best.numpy(), values))

        def result(self):
            return self.best

    m = Largest()
    m.update_state(np.array([1.0, 5.0]))
    m.update_state(np.array([3.0, 2.0]))
    np.testing.assert_array_equal(m.result().numpy(), [3.0, 5.0])
    assert [v.name for v in m.variables] == ["best:0"]
    m.reset_state()
    np.testing.assert_array_equal(m.result().numpy(), [0.0, 0.0])
    assert Largest.from_config(m.get_config()).name == "largest"
