"""Pure rendering helpers for the TUI: colours and half-block strips (no widgets here)."""
