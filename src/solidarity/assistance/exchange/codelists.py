"""The few IATI 2.03 codelists the exchange checks, embedded so nothing is fetched at run time.

Codes outside these lists are reported as problems; vocabularies the ledger does not map (sector
vocabularies other than 1, 2 and 10, aid-type vocabularies other than 1 and 2) are passed through
unchecked, as IATI allows publishers their own.

>>> TRANSACTION_STAGES["11"]
('commitment', 'incoming')
>>> is_known_sector("1", "12264"), is_known_sector("1", "122"), is_known_sector("10", "7")
(True, False, True)
"""

from __future__ import annotations

import re

TRANSACTION_STAGES: dict[str, tuple[str, str]] = {
    "1": ("disbursement", "incoming"),  # Incoming Funds
    "2": ("commitment", "outgoing"),  # Outgoing Commitment
    "3": ("disbursement", "outgoing"),  # Disbursement
    "4": ("expenditure", "outgoing"),  # Expenditure
    "11": ("commitment", "incoming"),  # Incoming Commitment
    "12": ("pledge", "outgoing"),  # Outgoing Pledge
    "13": ("pledge", "incoming"),  # Incoming Pledge
}
"""TransactionType code -> (ledger stage, direction seen from the reporting activity)."""

UNRECORDED_TRANSACTION_TYPES = {
    "5": "Interest Payment",
    "6": "Loan Repayment",
    "7": "Reimbursement",
    "8": "Purchase of Equity",
    "9": "Sale of Equity",
    "10": "Credit Guarantee",
}
"""Valid TransactionType codes that are not assistance flows: skipped with a warning."""

STAGE_TRANSACTION_TYPES: dict[tuple[str, str], str] = {v: k for k, v in TRANSACTION_STAGES.items()}

ORGANISATION_ROLES = {"1": "Funding", "2": "Accountable", "3": "Extending", "4": "Implementing"}

SECTOR_VOCABULARIES = frozenset({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "98", "99"})
MAPPED_SECTOR_VOCABULARIES = {"1": "dac", "2": "dac3", "10": "cluster"}

GLOBAL_CLUSTERS = {
    "1": "Camp Coordination and Camp Management",
    "2": "Early Recovery",
    "3": "Education",
    "4": "Emergency Shelter and NFI",
    "5": "Emergency Telecommunications",
    "6": "Food Security",
    "7": "Health",
    "8": "Logistics",
    "9": "Nutrition",
    "10": "Protection",
    "11": "Water Sanitation Hygiene",
}
"""The IASC global clusters (IATI sector vocabulary 10, HumanitarianGlobalClusters)."""

_AID_TYPES_DAC = "A01 A02 B01 B02 B021 B022 B03 B031 B032 B033 B04 C01 D01 D02 E01 E02 F01 G01 H01 H02 H03 H04 H05"
AID_TYPES_DAC = frozenset(_AID_TYPES_DAC.split())
AID_TYPES_EARMARKING = frozenset({"1", "2", "3", "4"})

_FINANCE_TYPES = (
    "110 111 210 211 310 311 410 411 412 413 414 421 422 423 424 425 431 432 433 451 452 453 "
    "510 511 512 520 530 610 611 612 613 614 615 616 617 618 620 621 622 623 624 625 626 627 "
    "630 631 632 633 634 710 711 712 810 811 910 911 912 913 1100"
)
FINANCE_TYPES = frozenset(_FINANCE_TYPES.split())

FLOW_TYPES = frozenset({"10", "20", "21", "22", "30", "35", "36", "37", "40", "50"})

HUMANITARIAN_SCOPE_TYPES = {"1": "emergency", "2": "appeal"}

_DAC5 = re.compile(r"\d{5}")
_DAC3 = re.compile(r"\d{3}")


def is_known_sector(vocabulary: str, code: str) -> bool:
    """Whether a sector code is valid in a vocabulary the ledger maps (others are not checked)."""
    if vocabulary == "1":
        return _DAC5.fullmatch(code) is not None
    if vocabulary == "2":
        return _DAC3.fullmatch(code) is not None
    if vocabulary == "10":
        return code in GLOBAL_CLUSTERS
    return vocabulary in SECTOR_VOCABULARIES


def is_known_aid_type(vocabulary: str, code: str) -> bool:
    if vocabulary == "1":
        return code in AID_TYPES_DAC
    if vocabulary == "2":
        return code in AID_TYPES_EARMARKING
    return True
