"""Custom NLU: the offline spaCy pipeline and rule-based spaCy components for Rasa."""
