"""Shapes in and out of the reporting API: submitted records, areas, series points, versions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from solidarity.reporting.records import Frequency, Measure


class FigureSubmission(BaseModel):
    """One figure a reporting officer submits: new and/or cumulative count of one measure, area and date."""

    model_config = ConfigDict(extra="forbid")

    area: str = Field(min_length=1, max_length=64, description="Area code (ISO alpha-2, XK, X-..., CN-HB ...)")
    date: dt.date = Field(description="The day reported; a weekly figure is dated on its week's last day")
    measure: Measure = Measure.CASES
    frequency: Frequency = Frequency.DAILY
    new: int | None = Field(None, description="New count for the day or week; negative for a correction")
    cumulative: int | None = Field(None, ge=0, description="Cumulative count up to and including the date")

    @model_validator(mode="after")
    def _has_a_value(self) -> FigureSubmission:
        if self.new is None and self.cumulative is None:
            raise ValueError("give new, cumulative or both")
        return self


class AreaPublic(BaseModel):
    code: str
    name: str
    kind: str
    parent_code: str | None
    country_code: str | None
    who_region: str | None
    is_on_map: bool
    reporting_organisation_id: int | None


class SeriesPoint(BaseModel):
    date: dt.date
    new: int | None
    cumulative: int | None
    new_avg7: float | None = None
    new_per100k: float | None = None
    cumulative_per100k: float | None = None
    areas: int | None = None
    """World or region totals: how many areas the date adds up."""
    complete: bool | None = None
    """World or region totals: false when far fewer areas reported than before (``queries.completeness``)."""


class VersionPublic(BaseModel):
    id: int
    published_at: dt.datetime
    actor_label: str
    organisation_id: int | None
    source_name: str
    source_format: str
    file_name: str | None
    file_sha256: str | None
    rows_read: int
    accepted: int
    flagged: int
    rejected: int
    unchanged: int
    note: str | None


class RevisionPublic(BaseModel):
    version: int
    published_at: dt.datetime
    source_name: str
    changed: int


class Dhis2MappingIn(BaseModel):
    """One row of the DHIS2 mapping: a data element's measure and value kind, or an org unit's area."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["data_element", "org_unit"]
    dhis2_id: str = Field(min_length=1, max_length=64)
    measure: Measure | None = None
    value_kind: Literal["new", "cumulative"] | None = None
    area_code: str | None = Field(None, max_length=64)

    @model_validator(mode="after")
    def _complete(self) -> Dhis2MappingIn:
        if self.kind == "data_element" and (self.measure is None or self.value_kind is None):
            raise ValueError("a data element needs measure and value_kind")
        if self.kind == "org_unit" and not self.area_code:
            raise ValueError("an org unit needs area_code")
        return self
