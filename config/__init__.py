"""Embedded defaults (package data): default.yaml, rules/, principles/."""
