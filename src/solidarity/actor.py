"""Who is acting: the identity and permissions every service function receives.

Services take an ``Actor`` instead of a web request or a CLI context, so the same check holds
whatever the transport.

>>> editor = Actor(user_id=3, organisation_id=7, role=Role.EDITOR, label="ana@moh.example")
>>> editor.can_write("hubs", owner_organisation_id=7), editor.can_write("hubs", owner_organisation_id=8)
(True, False)
>>> Actor(user_id=4, organisation_id=1, role=Role.COORDINATOR, label="c", modules=("hubs",)).can_write("hubs", 8)
True
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from solidarity.errors import Forbidden, Unauthorized


class Role(enum.StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


MODULES = ("partners", "reporting", "genomes", "knowledge", "assistance", "hubs", "allocation", "reference")


@dataclass(frozen=True)
class Actor:
    """A signed-in user, an API token's owner, the CLI operator or the anonymous public."""

    user_id: int | None
    organisation_id: int | None
    role: Role | None
    label: str
    modules: tuple[str, ...] = field(default=())
    """Modules a coordinator coordinates; empty means all of them."""

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(user_id=None, organisation_id=None, role=None, label="anonymous")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """The operator at the command line or a migration: full rights, recorded under ``label``."""
        return cls(user_id=None, organisation_id=None, role=Role.ADMIN, label=label)

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def coordinates(self, module: str) -> bool:
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.COORDINATOR and (not self.modules or module in self.modules)

    def can_write(self, module: str, owner_organisation_id: int | None) -> bool:
        """Admins and the module's coordinators write everything; editors only their organisation's records."""
        if self.coordinates(module):
            return True
        return (
            self.role is Role.EDITOR
            and owner_organisation_id is not None
            and owner_organisation_id == self.organisation_id
        )

    def require_write(self, module: str, owner_organisation_id: int | None) -> None:
        """Raise ``Forbidden`` unless this actor may write a ``module`` record owned by that organisation."""
        if not self.is_authenticated:
            raise Unauthorized("Sign in to change records")
        if not self.can_write(module, owner_organisation_id):
            raise Forbidden(
                f"{self.label} ({self.role}) may not change {module} records of organisation {owner_organisation_id}"
            )

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("Only administrators may do this")

    def require_authenticated(self) -> None:
        if not self.is_authenticated:
            raise Unauthorized("Sign in first")
