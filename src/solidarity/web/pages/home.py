"""The home page: what each module does, with a link to it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from solidarity.web.deps import ActorDep
from solidarity.web.templating import render

router = APIRouter()

MODULES: dict[str, dict[str, str]] = {
    "reporting": {
        "title": "Reporting",
        "summary": "Countries publish daily or weekly cases and deaths; the platform validates, versions and "
        "publishes them, and computes curves, milestones and Rt.",
        "formats": "WHO global CSV, JHU CSSE time series, Our World in Data, DHIS2 dataValueSets",
    },
    "genomes": {
        "title": "Genomes",
        "summary": "Labs submit pathogen genomes with metadata and get QC, mutations, clades and nearest "
        "neighbours; downloads carry attribution.",
        "formats": "FASTA, GISAID and Nextstrain metadata, Nextclade QC rules",
    },
    "knowledge": {
        "title": "Knowledge",
        "summary": "Guidelines, experience and training material; the vaccine R&D landscape; public-health measures.",
        "formats": "PDF, HTML, Markdown; full-text search in English and Chinese",
    },
    "assistance": {
        "title": "Assistance",
        "summary": "A ledger of pledges, commitments, disbursements, in-kind goods, expert teams and trainings, "
        "with reports by donor, recipient and channel.",
        "formats": "IATI 2.03, OCHA FTS, HXL",
    },
    "hubs": {
        "title": "Hubs",
        "summary": "Response hubs receive, store and dispatch supplies: requests, shipments, tracking and "
        "proof of delivery.",
        "formats": "OpenLMIS-style stock cards",
    },
    "allocation": {
        "title": "Allocation",
        "summary": "Scarce stock and vaccines go where the need is, by an optimiser and by published rules, explained.",
        "formats": "LP (HiGHS), COVAX-style rules",
    },
}


@router.get("/")
def home(request: Request, actor: ActorDep) -> Response:
    return render(request, "home.html", {"modules": MODULES})
