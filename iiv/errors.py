"""The errors a user can cause. The CLI and the web app turn each into one clear line."""

from __future__ import annotations


class IivError(Exception):
    """Base class: the message is shown to the user as it is."""


class VaultNotFound(IivError):
    """The vault folder does not exist or is not a folder."""


class NoteNotFound(IivError):
    """A note (or a line in it) that a command names does not exist."""


class NoteExists(IivError):
    """Creating a note would overwrite an existing file."""


class EditConflict(IivError):
    """The file changed since it was read; nothing was written."""


class UndoConflict(EditConflict):
    """The note changed since iiv wrote the change to undo; nothing was undone."""


class EditRefused(IivError):
    """The requested edit does not apply to the file as it is (no task on that line, ...)."""


class BadArgument(IivError):
    """A command-line or form value cannot be understood."""


class Stopped(IivError):
    """Work in progress was stopped because iiv is shutting down."""


class BadFile(IivError):
    """A file given to a command is not what the command reads (a vCard, a CSV export, ...)."""
