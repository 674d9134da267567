"""`DataFrameIterator`: what `ImageDataGenerator.flow_from_dataframe` returns.

The table is read column by column with `dataframe[column]`, so a pandas DataFrame works and
so does a plain dict of lists; pandas itself is never imported. The order of the rows is kept;
with `subset`, the cut is global (validation = the first `int(split * n)` rows that remain
after dropping invalid files and unknown classes), as in Keras.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from chainrule.preprocessing.base_iterator import Iterator
from chainrule.preprocessing.file_batches import BatchFromFilesMixin

_UNLABELLED = ("input", "multi_output", "raw", None)


def _column(dataframe, name) -> list:
    """One column as a list; a clear error for a missing column or an unsupported table."""
    try:
        return list(dataframe[name])
    except KeyError:
        raise ValueError(f"Column {name!r} is not in the dataframe; its columns are "
                       f"{list(dataframe.keys())!r}.") from None
    except (TypeError, IndexError) as err:
        raise TypeError("flow_from_dataframe expects a pandas.DataFrame (pip install pandas) "
                        "or a dict mapping column names to lists. Received: "
                        f"{type(dataframe).__name__}") from err


def _check_label_types(mode: str | None, labels: list, y_col) -> None:
    types = {"binary": str, "sparse": str, "categorical": (str, list, tuple)}.get(mode)
    if types is not None and not all(isinstance(v, types) for v in labels):
        kinds = "strings" if types is str else "type string, list or tuple"
        raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must be '
                        f"{kinds}.")


def _class_list(labels: list, classes) -> list[str]:
    """`classes` (order kept, duplicates dropped) or every label seen, sorted."""
    if classes:
        return list(dict.fromkeys(classes))
    seen = set()
    for v in labels:
        seen.update(v if isinstance(v, list | tuple) else [v])
    return sorted(seen)


def _keep_known(label, known: set):
    """The label restricted to known classes; None drops the row."""
    if isinstance(label, list | tuple):
        return [c for c in label if c in known] or None
    return label if label in known else None


def _targets(columns: dict, rows: list[int], y_col, mode):
    if mode == "multi_output":
        return [np.array([columns[c][r] for r in rows]) for c in y_col]
    if isinstance(y_col, list):
        return np.array([[columns[c][r] for c in y_col] for r in rows])
    return np.array([columns[y_col][r] for r in rows])


class DataFrameIterator(BatchFromFilesMixin, Iterator):
    """Batches of images named in a table column, with labels from another column.

    Args: see `ImageDataGenerator.flow_from_dataframe`. `dataframe[x_col]` holds file names
    relative to `directory` (or absolute paths when `directory` is None).

    Prints "Found {n} validated image filenames belonging to {k} classes." when made.
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse",
                           None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 data_format="channels_last", save_to_dir=None, save_prefix="",
                 save_format="png", subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype="float32", validate_filenames=True):
        self._check_class_mode(class_mode, y_col)
        self.set_processing_attrs(image_data_generator, target_size, color_mode, data_format,
                                  save_to_dir, save_prefix, save_format, subset, interpolation,
                                  keep_aspect_ratio, dtype)
        self.directory = directory or ""
        self.class_mode = class_mode
        columns = self._read_columns(dataframe, x_col, y_col, weight_col)
        rows = list(range(len(columns[x_col])))
        if validate_filenames:
            rows = self._valid_rows(columns[x_col], rows, x_col)
        if class_mode not in _UNLABELLED:
            rows = self._labelled_rows(columns, rows, y_col, classes)
        elif classes:
            warnings.warn(f'`classes` will be ignored given the class_mode="{class_mode}"',
                          UserWarning, stacklevel=2)
        if self.split is not None:
            rows = rows[int(self.split[0] * len(rows)):int(self.split[1] * len(rows))]
        self._take_rows(columns, rows, x_col, y_col, weight_col)
        self._announce(validate_filenames)
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check_class_mode(self, class_mode, y_col) -> None:
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: 'binary', "
                             "'categorical', 'input', 'multi_output', 'raw', 'sparse' or None.")
        if class_mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="multi_output", y_col must be a list. Received '
                            f"{type(y_col).__name__}.")

    def _read_columns(self, dataframe, x_col, y_col, weight_col) -> dict:
        wanted = [x_col] + ([] if self.class_mode in ("input", None) else
                            y_col if isinstance(y_col, list) else [y_col])
        columns = {name: _column(dataframe, name) for name in wanted + [weight_col] if name}
        if not all(isinstance(v, str) for v in columns[x_col]):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        if self.class_mode not in _UNLABELLED:
            _check_label_types(self.class_mode, columns[y_col], y_col)
        return columns

    def _valid_rows(self, names: list[str], rows: list[int], x_col) -> list[int]:
        """Rows naming an existing file with an image extension (others dropped, one warning)."""
        def valid(name: str) -> bool:
            path = os.path.join(self.directory, name)
            return name.lower().endswith(self.white_list_formats) and os.path.isfile(path)

        kept = [r for r in rows if valid(names[r])]
        if len(kept) < len(rows):
            warnings.warn(f'Found {len(rows) - len(kept)} invalid image filename(s) in '
                          f'x_col="{x_col}". These filename(s) will be ignored.', UserWarning,
                          stacklevel=3)
        return kept

    def _labelled_rows(self, columns: dict, rows: list[int], y_col, classes) -> list[int]:
        """Rows with at least one known class; fills `class_indices` and each row's classes."""
        labels = [columns[y_col][r] for r in rows]
        names = _class_list(labels, classes)
        if self.class_mode == "binary" and len(names) != 2:
            raise ValueError(f'If class_mode="binary" there must be 2 classes. Found '
                             f"{len(names)} classes: {names!r}.")
        self.class_indices = dict(zip(names, range(len(names))))
        known = {r: _keep_known(v, set(names)) for r, v in zip(rows, labels)}
        self._row_classes = {r: [self.class_indices[c] for c in v] if isinstance(v, list)
                             else self.class_indices[v] for r, v in known.items() if v is not None}
        return [r for r in rows if r in self._row_classes]

    def _take_rows(self, columns: dict, rows: list[int], x_col, y_col, weight_col) -> None:
        if self.class_mode not in _UNLABELLED:
            classes = [self._row_classes[r] for r in rows]
            single = all(isinstance(c, int) for c in classes)
            self.classes = np.asarray(classes, dtype="int32") if single else classes
        self.filenames = [columns[x_col][r] for r in rows]
        self._sample_weight = None if not weight_col else np.asarray(
            [columns[weight_col][r] for r in rows])
        if self.class_mode in ("raw", "multi_output"):
            self._targets = _targets(columns, rows, y_col, self.class_mode)
        self.samples = len(self.filenames)
        self._filepaths = [os.path.join(self.directory, name) for name in self.filenames]

    def _announce(self, validate_filenames: bool) -> None:
        checked = "validated" if validate_filenames else "non-validated"
        if self.class_mode in _UNLABELLED:
            print(f"Found {self.samples} {checked} image filenames.")
        else:
            print(f"Found {self.samples} {checked} image filenames belonging to "
                  f"{len(self.class_indices)} classes.")

    @property
    def filepaths(self) -> list[str]:
        return self._filepaths

    @property
    def labels(self):
        """Class indices, or the raw target values for 'raw' and 'multi_output'."""
        if self.class_mode in ("raw", "multi_output"):
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
