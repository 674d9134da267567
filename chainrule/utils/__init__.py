"""Utilities: seeding, session reset, progress bar."""
from chainrule.config import clear_session, set_random_seed
from chainrule.utils.file_utils import get_file
from chainrule.utils.progbar import Progbar

__all__ = ["Progbar", "clear_session", "get_file", "set_random_seed"]
