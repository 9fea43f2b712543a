"""``python -m tinychat``: the same as the ``tinychat`` command."""

import sys

from tinychat.cli import main

sys.exit(main())
