"""The assistance module's verbs, for other modules, the web and the CLI: one import for all of them.

The verbs live with their concept: ``ledger`` (flows, versions, claims), ``pledges``
(fulfilment over time), ``reports`` (Table 1 and the totals), ``totals`` (the totals maintained on
write that the reports read), ``importing`` (CSV in and out).
"""

from __future__ import annotations

from solidarity.assistance.importing import export_rows, import_csv, write_csv
from solidarity.assistance.ledger import (
    MODULE,
    Filters,
    add_claim,
    chain,
    current_version,
    fulfilling,
    get_version,
    list_claims,
    list_flows,
    make_filters,
    record_flow,
    revise_flow,
    versions,
)
from solidarity.assistance.pledges import PledgeProgress, pledge_progress
from solidarity.assistance.reports import (
    by_channel,
    by_item,
    by_modality,
    by_provider,
    by_recipient,
    capacity,
    discrepancies,
    table1,
)
from solidarity.assistance.totals import differences as totals_differences
from solidarity.assistance.totals import rebuild as rebuild_totals

__all__ = [
    "MODULE",
    "Filters",
    "PledgeProgress",
    "add_claim",
    "by_channel",
    "by_item",
    "by_modality",
    "by_provider",
    "by_recipient",
    "capacity",
    "chain",
    "current_version",
    "discrepancies",
    "export_rows",
    "fulfilling",
    "get_version",
    "import_csv",
    "list_claims",
    "list_flows",
    "make_filters",
    "pledge_progress",
    "rebuild_totals",
    "record_flow",
    "revise_flow",
    "table1",
    "totals_differences",
    "versions",
    "write_csv",
]
