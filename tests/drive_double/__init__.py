"""An in-memory Google Drive v3 double served over real HTTP on 127.0.0.1.

Requests are checked against the packaged Drive v3 discovery document (method, path, known and
required parameters, upload protocols, writable body fields), so code that passes here sends what
the real API accepts. See server.py for what is modelled and what is not.
"""
from drive_double.server import DOC_MIME, DOCX_MIME, FOLDER_MIME, DriveDouble, Fault

__all__ = ["DriveDouble", "Fault", "DOC_MIME", "DOCX_MIME", "FOLDER_MIME"]
