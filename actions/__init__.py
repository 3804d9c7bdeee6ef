"""Rasa custom actions: thin adapters from the tracker to plain functions in ``bot``."""
