"""Shapes in and out of the partners registry."""

from __future__ import annotations

from pydantic import BaseModel, Field

from solidarity.partners.models import OrganisationType


class OrganisationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=300)
    acronym: str | None = Field(None, max_length=40)
    type: OrganisationType
    country: str | None = Field(None, description="ISO alpha-2, alpha-3 or a country name")
    parent_id: int | None = None
    website: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=4000)
    aliases: list[str] = Field(default_factory=list)
