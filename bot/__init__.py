"""Patient-education assistant for a headache clinic's Botox programme for chronic migraine.

The importable core of the project: content, data layer, custom NLU components, the
process runner and the command line (``python -m bot``). Rasa custom actions live in the
top-level ``actions`` package and call plain functions from here.
"""

__version__ = "0.1.0"
