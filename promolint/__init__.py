"""promolint: reviews promotion packets the way a skeptical committee does."""
__version__ = "0.1.0"
