"""``python -m sqlfix``: the command line (also ``accelerate launch -m sqlfix train ...``)."""

from sqlfix.cli import main

if __name__ == "__main__":  # not when a model's child process (spawn) imports this module again
    main()
