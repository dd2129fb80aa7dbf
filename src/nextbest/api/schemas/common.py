"""Field types shared by the wire schemas, and the error body every 4xx/5xx answer has."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "ID_PATTERN",
    "Amount",
    "CountryCode",
    "CurrencyCode",
    "ErrorItem",
    "ErrorOut",
    "Identifier",
    "NonNegativeAmount",
    "StrictModel",
    "describe_problems",
    "validation_problems",
]

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
"""Ids are opaque and short; no '@' or spaces, so an e-mail address cannot become one."""

Identifier = Annotated[str, Field(pattern=ID_PATTERN, examples=["c-000123"])]


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _country(value: Any) -> Any:
    value = _upper(value)
    return "GB" if value == "UK" else value  # the seeds write UK; ISO 3166 says GB


CountryCode = Annotated[
    str,
    BeforeValidator(_country),
    Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 (UK is read as GB)"),
]
CurrencyCode = Annotated[
    str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
]
Amount = Annotated[
    Decimal, Field(gt=0, max_digits=18, decimal_places=4, allow_inf_nan=False, examples=["2500.00"])
]
NonNegativeAmount = Annotated[
    Decimal, Field(ge=0, max_digits=18, decimal_places=4, allow_inf_nan=False)
]


class StrictModel(BaseModel):
    """Unknown fields are refused, so a typo is an error instead of silently ignored data."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorItem(BaseModel):
    loc: str = Field(description="Where in the request, as a dotted path")
    message: str


class ErrorOut(BaseModel):
    error: str = Field(description="A stable code such as NOT_FOUND or VALIDATION_FAILED")
    detail: str = Field(description="What went wrong, for a person")
    request_id: str
    problems: list[ErrorItem] = Field(default_factory=list)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts)


def validation_problems(errors: list[Any]) -> list[ErrorItem]:
    """Pydantic's (or FastAPI's) error list as ``loc`` / ``message`` pairs a person can read."""
    return [
        ErrorItem(loc=_location(tuple(error.get("loc", ()))), message=str(error.get("msg")))
        for error in errors
    ]


def describe_problems(problems: list[ErrorItem]) -> str:
    """One line: ``where: what; where: what``."""
    return "; ".join(f"{p.loc}: {p.message}" if p.loc else p.message for p in problems)
