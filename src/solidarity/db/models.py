"""Every module's tables, imported in one place so migrations and tests see the whole schema."""

from solidarity.allocation import models as _allocation
from solidarity.assistance import models as _assistance
from solidarity.audit import models as _audit
from solidarity.db import instance as _instance
from solidarity.db.base import Base
from solidarity.genomes import models as _genomes
from solidarity.hubs import models as _hubs
from solidarity.knowledge import models as _knowledge
from solidarity.partners import accounts as _accounts
from solidarity.partners import models as _partners
from solidarity.reference import models as _reference
from solidarity.reporting import models as _reporting

metadata = Base.metadata

__all__ = [
    "_accounts",
    "_allocation",
    "_assistance",
    "_audit",
    "_genomes",
    "_hubs",
    "_instance",
    "_knowledge",
    "_partners",
    "_reference",
    "_reporting",
    "metadata",
]
