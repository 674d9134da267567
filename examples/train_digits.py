"""Train a small CNN on the bundled 8x8 handwritten digits: the lecture's workflow end to end.

    python examples/train_digits.py [--epochs 15] [--out runs/digits]

Sequential model, summary(), compile with Adam and 'acc', fit with validation data and a
ModelCheckpoint keeping the best weights in one HDF5 file, load_weights, evaluate.
"""
import argparse
from pathlib import Path

import numpy as np

import chainrule
from chainrule.callbacks import ModelCheckpoint
from chainrule.datasets import digits
from chainrule.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from chainrule.models import Sequential


def build_model() -> Sequential:
    """Two conv/pool blocks and a dense head, as in the lecture, sized for 8x8 inputs."""
    return Sequential([
        Conv2D(32, (3, 3), padding="same", activation="relu", input_shape=(8, 8, 1)),
        MaxPooling2D(2, 2),
        Conv2D(64, (3, 3), padding="same", activation="relu"),
        MaxPooling2D(2, 2),
        Flatten(),
        Dropout(0.3),
        Dense(64, activation="relu"),
        Dense(10, activation="softmax"),
    ])


def load_scaled():
    """Digits as float32 (n, 8, 8, 1) in [0, 1], labels as integers."""
    (x, y), (x_val, y_val) = digits.load_data()
    return (x[..., None] / np.float32(16), y), (x_val[..., None] / np.float32(16), y_val)


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--out", default="runs/digits", help="folder for the checkpoint")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    chainrule.set_random_seed(args.seed)
    (x, y), (x_val, y_val) = load_scaled()
    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    Path(args.out).mkdir(parents=True, exist_ok=True)
    checkpoint_path = str(Path(args.out) / "best_checkpoint.h5")
    checkpoint = ModelCheckpoint(filepath=checkpoint_path, save_weights_only=True,
                                 save_best_only=True, monitor="val_loss", verbose=1)
    model.fit(x, y, batch_size=32, epochs=args.epochs, validation_data=(x_val, y_val),
              callbacks=[checkpoint])
    model.load_weights(checkpoint_path)
    loss, acc = model.evaluate(x_val, y_val, verbose=0)
    print(f"best checkpoint: {checkpoint_path}\nvalidation loss {loss:.4f}, accuracy {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
