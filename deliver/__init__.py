"""Where outputs go: local files today, Drive later."""
