"""Seeded synthetic data: a fictional security master and a "demo book" of clients."""
