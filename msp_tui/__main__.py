import sys

from msp_tui.cli import main

sys.exit(main())
