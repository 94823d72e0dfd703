"""Contacts in and out: vCard files, LinkedIn's and Google's CSV exports, matched with the vault.

`read_contacts` reads a file into contacts (`contact`, `vcard`, `linkedin`, `google`),
`plan.plan_import` says what an import would do, and `apply.apply_plan` does it.
"""

from __future__ import annotations

from collections.abc import Callable

from iiv.contacts.contact import ContactFile, Unreadable, decode
from iiv.contacts.google import read_google
from iiv.contacts.linkedin import read_linkedin
from iiv.contacts.vcard import read_vcards

READERS: dict[str, Callable[[str, str], ContactFile]] = {
    "vcard": read_vcards,
    "linkedin": read_linkedin,
    "google": read_google,
}
KINDS = tuple(READERS)


def read_contacts(kind: str, data: bytes, name: str) -> ContactFile:
    """The contacts in a file of the given kind; BadFile when it is not such a file at all."""
    text, trouble = decode(data, name)
    found = READERS[kind](text, name)
    unreadable = sorted((*trouble, *found.unreadable), key=lambda u: u.line)
    return ContactFile(found.contacts, tuple(unreadable))


__all__ = ["KINDS", "ContactFile", "Unreadable", "read_contacts"]
