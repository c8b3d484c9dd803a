import sys

from sandbox.slack_stub.cli import main

sys.exit(main())
