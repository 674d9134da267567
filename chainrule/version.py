"""`tf.version.VERSION`: tutorials print it first thing. Here it is chainrule's version."""
VERSION = "0.1.0"
VERSION_INFO = tuple(int(p) for p in VERSION.split("."))
