"""The course material as data: labs and lessons (TOML files) and their loaders."""
