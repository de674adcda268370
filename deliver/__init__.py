"""Where outputs go: local files (optionally one folder per author) and, for Drive sources, back to Drive."""
