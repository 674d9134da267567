"""summary() prints tf.keras 2.12's table character for character (tests/fixtures/keras_summaries.txt)."""
import re

import pytest

from chainrule.layers import (Activation, BatchNormalization, Concatenate, Conv2D, Dense, Dropout,
                              Flatten, GlobalAveragePooling2D, Input, MaxPooling2D)
from chainrule.models import Model, Sequential
from tests.keras_fixtures import FIXTURES


def keras_block(name: str) -> str:
    text = (FIXTURES / "keras_summaries.txt").read_text()
    blocks = dict(re.findall(r"=== (\S+) ===\n(.*?)(?=\n=== |\Z)", text, re.S))
    return blocks[name].rstrip("\n")


def summary_text(model, capsys) -> str:
    model.summary()
    return capsys.readouterr().out.rstrip("\n")


def rps_cnn():
    return Sequential([
        Conv2D(64, (3, 3), activation="relu", input_shape=(150, 150, 3)), MaxPooling2D(2, 2),
        Conv2D(64, (3, 3), activation="relu"), MaxPooling2D(2, 2),
        Conv2D(128, (3, 3), activation="relu"), MaxPooling2D(2, 2),
        Conv2D(128, (3, 3), activation="relu"), MaxPooling2D(2, 2),
        Flatten(), Dropout(0.5), Dense(512, activation="relu"), Dense(3, activation="softmax")])


def horse_cnn():
    stack = [Conv2D(16, (3, 3), activation="relu", input_shape=(300, 300, 3)), MaxPooling2D(2, 2)]
    for filters in (32, 64, 64, 128):
        stack += [Conv2D(filters, (3, 3), activation="relu"), MaxPooling2D(2, 2)]
    return Sequential(stack + [Flatten(), Dropout(0.5), Dense(128, activation="relu"),
                               Dense(32, activation="relu"), Dense(2, activation="softmax")])


def test_lecture_rps_table_digit_for_digit(capsys):
    text = summary_text(rps_cnn(), capsys)
    assert text == keras_block("rps_cnn")
    assert "Total params: 3,473,475" in text
    for count in ("1792", "36928", "73856", "147584", "3211776", "1539"):
        assert f" {count} " in text


def test_lecture_horse_or_human_table_digit_for_digit(capsys):
    text = summary_text(horse_cnn(), capsys)
    assert text == keras_block("horse_or_human_cnn")
    assert "Total params: 941,506" in text


def test_non_trainable_weights_are_counted_apart(capsys):
    model = Sequential([Conv2D(8, 3, padding="same", input_shape=(32, 32, 3)),
                        BatchNormalization(), Activation("relu"), GlobalAveragePooling2D(),
                        Dense(10)])
    assert summary_text(model, capsys) == keras_block("sequential_bn_gap")


def test_functional_chain_lists_its_input_layer(capsys):
    x = Input((28, 28, 1))
    y = Dense(10)(Flatten()(MaxPooling2D(2)(Conv2D(4, 3)(x))))
    assert summary_text(Model(x, y), capsys) == keras_block("functional_chain")


def test_branching_graph_uses_the_connected_to_layout(capsys):
    a, b = Input((8,)), Input((4,))
    hidden = Dense(6)(a)
    joined = Concatenate()([hidden, b])
    out = Dense(1)(joined)
    assert summary_text(Model([a, b], out), capsys) == keras_block("functional_two_inputs")


def test_frozen_nested_model_moves_all_its_weights_to_non_trainable(capsys):
    x = Input((8, 8, 3))
    base = Model(x, MaxPooling2D(2)(Conv2D(4, 3, padding="same")(x)), name="base")
    base.trainable = False
    model = Sequential([base, Flatten(), Dense(2)])
    text = summary_text(model, capsys)
    assert " base (Functional)           (None, 4, 4, 4)           112       " in text
    assert "Trainable params: 130" in text and "Non-trainable params: 112" in text


def test_an_unbuilt_model_says_how_to_build_it():
    model = Sequential([Dense(3)])
    with pytest.raises(ValueError, match="has not yet been built.*calling the model on a batch"):
        model.summary()
