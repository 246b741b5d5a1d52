"""The lecture's notation on a real step: the written-out step, the scalar chain, term-by-term comparison of engines."""
