"""Write promolint's findings into a copy of the packet as Word comments."""
from __future__ import annotations

from docx.document import Document

from promolint.annotate.comments import add_claim_comments, remove_comments_by
from promolint.extractors import open_document
from promolint.config import Config
from promolint.docxsave import docx_bytes
from promolint.model import Review

__all__ = ["annotate", "annotate_document", "remove_comments_by"]


def annotate(data: bytes, review: Review, config: Config) -> bytes:
    """The packet with one comment per weak claim; earlier promolint comments are replaced."""
    return annotate_document(open_document(data, str(review.packet.get("source") or "packet"), config), review, config)


def annotate_document(document: Document, review: Review, config: Config) -> bytes:
    """Like `annotate`, on an already opened (and checked) document, which it changes."""
    author = config.output.comment_author
    remove_comments_by(document, author)
    add_claim_comments(document, review.claims, author, config.output.comment_initials)
    return docx_bytes(document)  # document.save's parts, deflated at a faster level
