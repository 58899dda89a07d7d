"""Every module's tables, imported in one place so migrations and tests see the whole schema."""

from solidarity.audit import models as _audit
from solidarity.db import instance as _instance
from solidarity.db.base import Base
from solidarity.partners import accounts as _accounts
from solidarity.partners import models as _partners
from solidarity.reference import models as _reference
from solidarity.reporting import models as _reporting

metadata = Base.metadata

__all__ = ["_accounts", "_audit", "_instance", "_partners", "_reference", "_reporting", "metadata"]
