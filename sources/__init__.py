"""Where packets come from: a local file or folder today, Google Drive later."""
from sources.base import PacketRef, Skipped, Source
from sources.local import LocalSource, open_source

__all__ = ["PacketRef", "Skipped", "Source", "LocalSource", "open_source"]
