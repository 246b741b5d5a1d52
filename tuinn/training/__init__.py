"""Training a model from a spec: the trainer, building the network, checkpoints, k-fold, run folders, export."""
