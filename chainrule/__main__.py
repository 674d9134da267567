"""`python -m chainrule ...` is the `chainrule` command."""
import sys

from chainrule.cli.main import main

sys.exit(main())
