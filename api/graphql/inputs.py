"""Input validation at the edge (pydantic, strict, nothing extra), mapped to typed errors."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from domain.shared.errors import ValidationError

CommandId = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
PartnerCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,19}$")]

M = TypeVar("M", bound=BaseModel)

_CAMEL = {"command_id": "commandId", "name_ar": "nameAr", "name_fr": "nameFr"}


class Strict(BaseModel):
    """Strict types, no unknown fields, frozen."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class CommandIdInput(Strict):
    """Just the idempotency key."""

    command_id: CommandId


class PartnerInput(Strict):
    """Registering or renaming a partner."""

    command_id: CommandId
    code: PartnerCode
    name_ar: Name
    name_fr: Name


def validated(model: type[M], **values: object) -> M:
    """The values as `model`, or a ValidationError naming the first bad field."""
    try:
        return model(**values)
    except PydanticValidationError as error:
        first = error.errors()[0]
        field = ".".join(_CAMEL.get(str(p), str(p)) for p in first["loc"]) or "input"
        raise ValidationError(field, first["msg"]) from None
