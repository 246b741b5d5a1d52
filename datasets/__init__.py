"""Dataset cards: one TOML file per registered dataset (installed as ``tuinn.datasets``).

The data files themselves are never committed or packaged; see README.md here and
``tuinn.data.registry`` for how a card's file is found, fetched and validated.
"""
