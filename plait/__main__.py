"""`python -m plait` runs the command line."""

from plait.cli import main

raise SystemExit(main())
