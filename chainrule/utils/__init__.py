"""Utilities: seeding, session reset, progress bar."""
from chainrule.config import clear_session, set_random_seed
from chainrule.utils.progbar import Progbar

__all__ = ["Progbar", "clear_session", "set_random_seed"]
