"""Reference data shipped with Dar, loaded through ordinary commands."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from application.catalogue.commands import PublishService
from application.catalogue.service import CatalogueServiceHandlers
from application.citizens.purposes import Purpose
from application.errors import IdempotencyKeyReusedError
from application.partners.commands import RegisterPartner
from application.partners.service import PartnerService
from domain.citizens.categories import DataCategory
from domain.shared.errors import AlreadyExistsError, NotFoundError

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


@dataclass(frozen=True)
class ReferenceService:
    """One service of the starting catalogue."""

    partner_code: str
    code: str
    name_ar: str
    name_fr: str
    mode: str
    fee_rule: str
    fee_millimes: int | None
    deadline_days: int | None
    documents: tuple[str, ...]


def reference_services() -> list[ReferenceService]:
    """The starting catalogue, from `services.yaml`."""
    text = resources.files(__package__).joinpath("services.yaml").read_text(encoding="utf-8")
    catalogue: dict[str, list[dict[str, object]]] = yaml.safe_load(text)
    return [
        ReferenceService(
            partner_code=partner,
            code=str(row["code"]),
            name_ar=str(row["name_ar"]),
            name_fr=str(row["name_fr"]),
            mode=str(row["mode"]),
            fee_rule=str(row["fee_rule"]),
            fee_millimes=_optional_int(row.get("fee_millimes")),
            deadline_days=_optional_int(row.get("deadline_days")),
            documents=tuple(str(d) for d in row.get("documents") or []),  # type: ignore[attr-defined]
        )
        for partner, rows in catalogue.items()
        for row in rows
    ]


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def load_reference_services(catalogue: CatalogueServiceHandlers) -> int:
    """Publish every reference service not yet published; return how many were new."""
    added = 0
    for service in reference_services():
        command = PublishService(
            command_id=f"reference:service:{service.partner_code}:{service.code}",
            actor=REFERENCE_ACTOR,
            partner_code=service.partner_code,
            code=service.code,
            name_ar=service.name_ar,
            name_fr=service.name_fr,
            mode=service.mode,
            documents=service.documents,
            fee_rule=service.fee_rule,
            fee_millimes=service.fee_millimes,
            deadline_days=service.deadline_days,
        )
        try:
            outcome = catalogue.publish(command)
        except (AlreadyExistsError, IdempotencyKeyReusedError):
            continue
        except NotFoundError:
            log.warning("partner %s is not registered: its services wait", service.partner_code)
            continue
        added += 0 if outcome.replayed else 1
    return added


DEVELOPMENT_DECLARATION = "DEV-"
# the development register's references, and the placeholders of docs/purposes.example.yaml
PLACEHOLDER_DECLARATIONS = (DEVELOPMENT_DECLARATION, "EXAMPLE-")


def reference_purposes(path: Path | None = None) -> list[Purpose]:
    """The declared purposes of personal-data reads: `purposes.yaml`, or the configured file."""
    if path is None:
        text = resources.files(__package__).joinpath("purposes.yaml").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    rows = yaml.safe_load(text)["purposes"]
    purposes = []
    for row in rows:
        categories = frozenset(DataCategory(c) for c in row["categories"])
        if not str(row["declaration"]).strip():
            msg = f"purpose {row['code']} names no declaration"
            raise ValueError(msg)
        purposes.append(
            Purpose(
                code=row["code"],
                label_fr=row["label_fr"],
                label_ar=row["label_ar"],
                declaration=str(row["declaration"]),
                categories=categories,
            )
        )
    return purposes


def check_production_purposes(purposes: list[Purpose]) -> None:
    """In production every purpose names a real declaration, not a development or example one."""
    for purpose in purposes:
        if purpose.declaration.startswith(PLACEHOLDER_DECLARATIONS):
            msg = (
                f"purpose {purpose.code} cites the placeholder declaration "
                f"{purpose.declaration}: set DAR_PURPOSES_FILE to the declared register "
                "(start from docs/purposes.example.yaml)"
            )
            raise ValueError(msg)
