"""Shapes in and out of the reference module."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from solidarity.reference.models import ItemCategory


class ItemCreate(BaseModel):
    code: str = Field(min_length=2, max_length=40, description="Upper-case letters, digits and dashes")
    name: str = Field(min_length=2, max_length=200)
    category: ItemCategory
    unit_code: str = Field(min_length=1, max_length=20)
    pack_size: int = Field(1, ge=1, le=1_000_000, description="Units per pack")
    shelf_life_days: int | None = Field(None, ge=1, le=36500)
    needs_cold_chain: bool = False
    description: str | None = Field(None, max_length=2000)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        code = value.strip().upper()
        if not code.replace("-", "").isalnum() or not code.isascii() or code.startswith("-"):
            raise ValueError("use upper-case letters, digits and dashes, such as MASK-N95")
        return code


class ItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    category: ItemCategory
    unit_code: str
    pack_size: int
    shelf_life_days: int | None
    needs_cold_chain: bool
    description: str | None


class UnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    kind: str


class CountryPublic(BaseModel):
    alpha2: str
    alpha3: str
    numeric: str | None
    name: str
    official_name: str | None
    who_region: str | None
    is_iso: bool
    population: int | None
    population_year: int | None
    population_source: str | None


class CurrencyPublic(BaseModel):
    code: str
    name: str
    numeric: str | None
    has_ecb_rates: bool


class RatePublic(BaseModel):
    currency: str
    date: dt.date
    requested_date: dt.date
    rate_to_usd: str
    source: str


class ConversionPublic(BaseModel):
    amount: str
    currency: str
    requested_date: dt.date
    amount_usd: str
    rate_to_usd: str
    rate_date: dt.date
    source: str


class PopulationPublic(BaseModel):
    country: str
    population: int
    year: int
    source: str


class PopulationOverrideIn(BaseModel):
    population: int = Field(ge=0, le=20_000_000_000)
    year: int = Field(ge=1900, le=2200)
    source: str = Field(min_length=2, max_length=300)
