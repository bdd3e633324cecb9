"""Exceptions raised by the library; the CLI and UI turn them into messages."""
from __future__ import annotations


class QAError(Exception):
    """Base class: every error the library raises on purpose."""


class BadFile(QAError):
    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class BadQuestion(QAError):
    """The question itself is unusable (empty, too long, control characters)."""


class ModelUnavailable(QAError):
    """The embedding model cannot be loaded; the message says what to do."""


class IndexCorrupt(QAError):
    """A saved index folder is incomplete or does not match its manifest."""
