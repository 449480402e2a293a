"""Reference data shipped with Dar, loaded through ordinary commands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources

import yaml

from application.errors import IdempotencyKeyReusedError
from application.partners.commands import RegisterPartner
from application.partners.service import PartnerService
from domain.shared.errors import AlreadyExistsError

REFERENCE_ACTOR = "system:reference-data"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReferencePartner:
    """One partner body of the seed list."""

    code: str
    name_ar: str
    name_fr: str


def reference_partners() -> list[ReferencePartner]:
    """The nine partner bodies, from `partners.yaml`."""
    text = resources.files(__package__).joinpath("partners.yaml").read_text(encoding="utf-8")
    rows = yaml.safe_load(text)
    return [
        ReferencePartner(code=row["code"], name_ar=row["name_ar"], name_fr=row["name_fr"])
        for row in rows
    ]


def load_reference_partners(partners: PartnerService) -> int:
    """Register every reference partner not yet registered; return how many were new."""
    added = 0
    for partner in reference_partners():
        command = RegisterPartner(
            command_id=f"reference:partner:{partner.code}",
            actor=REFERENCE_ACTOR,
            code=partner.code,
            name_ar=partner.name_ar,
            name_fr=partner.name_fr,
        )
        try:
            registration = partners.register_partner(command)
        except AlreadyExistsError:
            continue
        except IdempotencyKeyReusedError:
            # The reference file was corrected after this partner was registered: the record
            # stands; a correction of names is a RenamePartner, decided by an administrator.
            log.warning("reference partner %s differs from the one registered", partner.code)
            continue
        added += 0 if registration.replayed else 1
    return added
