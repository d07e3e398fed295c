"""Neutral helpers for tests that run real servers; they know nothing of any one site."""
