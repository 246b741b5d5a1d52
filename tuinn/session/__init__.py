"""The interactive state every TUI view draws from: the playground, stepping, side-by-side variants, pacing (no Textual)."""
