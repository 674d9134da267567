"""Keras' utilities: `to_categorical`, image I/O, `get_file`, `Sequence`, `plot_model`, ..."""
from chainrule.config import clear_session, set_random_seed
from chainrule.preprocessing.image_io import array_to_img, img_to_array, load_img, save_img
from chainrule.utils.file_utils import get_file
from chainrule.utils.image_dataset import image_dataset_from_directory
from chainrule.utils.model_plot import model_to_dot, plot_model
from chainrule.utils.numerical_utils import normalize, to_categorical
from chainrule.utils.progbar import Progbar
from chainrule.utils.sequence import PyDataset, Sequence

__all__ = ["Progbar", "PyDataset", "Sequence", "array_to_img", "clear_session", "get_file",
           "image_dataset_from_directory", "img_to_array", "load_img", "model_to_dot",
           "normalize", "plot_model", "save_img", "set_random_seed", "to_categorical"]
