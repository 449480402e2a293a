"""Categories of personal data: what a role, and a purpose, may reveal.

Health data (anything about a citizen's CNAM files or mandates) is a category of its own: organic
law 2004-63 restricts it, and only agents accredited for CNAM see it.
"""

from __future__ import annotations

from enum import StrEnum


class DataCategory(StrEnum):
    """A category of a citizen's personal data."""

    IDENTITY = "identity"  # the name
    DOCUMENT = "document"  # identity document kind and number
    CONTACT = "contact"  # phone
    GUARDIAN = "guardian"  # who answers for a minor
    MANDATES = "mandates"  # the scopes a citizen granted a house (health scopes excepted)
    HEALTH = "health"  # CNAM scopes and files


# Each personal field of a citizen and its category.
FIELD_CATEGORIES: dict[str, DataCategory] = {
    "name": DataCategory.IDENTITY,
    "documentKind": DataCategory.DOCUMENT,
    "documentNumber": DataCategory.DOCUMENT,
    "phone": DataCategory.CONTACT,
    "guardianId": DataCategory.GUARDIAN,
}

HEALTH_PARTNER = "CNAM"
