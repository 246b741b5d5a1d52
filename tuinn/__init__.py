"""tuinn: see a neural network learn, in the terminal, with the math on screen."""

__version__ = "0.1.0"
