"""Judging and opening a trained model: evaluation, latent spaces, input importance, linear collapse, balance comparison."""
