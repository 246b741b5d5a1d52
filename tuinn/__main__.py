"""``python -m tuinn`` is the same as the ``tuinn`` command."""

from tuinn.cli import main

raise SystemExit(main())
