"""The from-scratch NumPy engine: the teaching engine that exposes every term.

Never imports textual or torch (a test enforces it).
"""

from tuinn.engine.activations import ACTIVATIONS, make_activation
from tuinn.engine.layers import Dense
from tuinn.engine.losses import LOSSES, make_loss
from tuinn.engine.network import Network
from tuinn.engine.optimizers import OPTIMIZERS, make_optimizer
from tuinn.engine.trace import StepTrace

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "Dense",
    "Network",
    "StepTrace",
    "make_activation",
    "make_loss",
    "make_optimizer",
]
