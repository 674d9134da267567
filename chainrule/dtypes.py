"""TF's dtype names, as NumPy types: `tf.float32` is `numpy.float32`, `tf.bool` `numpy.bool_`."""
import numpy as np

float16, float32, float64 = np.float16, np.float32, np.float64
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, uint16 = np.uint8, np.uint16
bool = np.bool_
string = np.bytes_

__all__ = ["bool", "float16", "float32", "float64", "int8", "int16", "int32", "int64", "string",
           "uint8", "uint16"]
