"""The experiment spec: dataclasses, TOML in and out, validation, --set overrides, built-in experiments."""
