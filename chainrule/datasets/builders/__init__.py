"""The datasets `chainrule.datasets.load` knows, one module per source."""
from chainrule.datasets.builders.cats_vs_dogs import CatsVsDogs
from chainrule.datasets.builders.digits import Digits
from chainrule.datasets.builders.horses_or_humans import HorsesOrHumans
from chainrule.datasets.builders.rock_paper_scissors import RockPaperScissors

__all__ = ["CatsVsDogs", "Digits", "HorsesOrHumans", "RockPaperScissors"]
