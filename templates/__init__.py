"""The feedback memo's templates (package data)."""
