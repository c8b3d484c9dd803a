import sys

from core.cli import main

# Guarded: a multiprocessing child started with "spawn" imports the parent's __main__ again.
if __name__ == "__main__":
    sys.exit(main())
