"""``python -m sqlfix``: the command line (also ``accelerate launch -m sqlfix train ...``)."""

from sqlfix.cli import main

main()
