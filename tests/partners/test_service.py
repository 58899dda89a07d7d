import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from solidarity.actor import Role
from solidarity.audit.models import AuditEntry
from solidarity.db import transaction
from solidarity.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from solidarity.partners import service
from solidarity.partners.models import OrganisationType
from solidarity.partners.schemas import OrganisationCreate, OrganisationUpdate
from tests.conftest import ENGINE, Person
from tests.partners.conftest import SYSTEM, counts

Register = Callable[..., int]


@pytest.mark.parametrize(
    "spelling",
    [
        "World Health Organization",
        "world health organization ",
        "World-Health Organization",
        "WORLD  HEALTH, ORGANIZATION",
    ],
)
def test_duplicate_name_in_any_spelling_is_refused_with_the_existing_id(
    db: sessionmaker[Session], register: Register, spelling: str
) -> None:
    who = register("World Health Organization", OrganisationType.UN_AGENCY, acronym="WHO")
    before = counts(db)
    with pytest.raises(Conflict) as refused, transaction(db) as session:
        service.create_organisation(session, SYSTEM, OrganisationCreate(name=spelling, type=OrganisationType.UN_AGENCY))
    assert refused.value.details["existing_id"] == who
    assert refused.value.details["matched"] == "World Health Organization"
    assert f"exists already (id {who})" in refused.value.message
    assert counts(db) == before


def test_name_matching_an_alias_is_refused_and_nothing_is_written(
    db: sessionmaker[Session], register: Register
) -> None:
    who = register("World Health Organization", aliases=["Organisation mondiale de la Santé"])
    before = counts(db)
    with pytest.raises(Conflict) as refused, transaction(db) as session:
        service.create_organisation(
            session, SYSTEM, OrganisationCreate(name="Organisation Mondiale de la Sante", type=OrganisationType.NGO)
        )
    assert refused.value.details == {
        "existing_id": who,
        "matched": "Organisation mondiale de la Santé",
        "matched_kind": "alias",
        "field": "name",
    }
    assert "alias" in refused.value.message
    assert counts(db) == before


def test_alias_matching_another_organisations_name_is_refused(db: sessionmaker[Session], register: Register) -> None:
    wfp = register("World Food Programme")
    with pytest.raises(Conflict) as refused, transaction(db) as session:
        service.create_organisation(
            session,
            SYSTEM,
            OrganisationCreate(name="Food Aid Agency", type=OrganisationType.NGO, aliases=["World food programme"]),
        )
    assert refused.value.details["existing_id"] == wfp
    assert refused.value.details["field"] == "aliases"


def test_acronyms_repeat_across_countries_but_not_within_one(db: sessionmaker[Session], register: Register) -> None:
    kenya = register("Ministry of Health of Kenya", OrganisationType.GOVERNMENT_AGENCY, acronym="MOH", country="KE")
    register("Ministry of Health of Ghana", OrganisationType.GOVERNMENT_AGENCY, acronym="MoH", country="GH")
    with pytest.raises(Conflict) as refused, transaction(db) as session:
        service.create_organisation(
            session,
            SYSTEM,
            OrganisationCreate(
                name="Kenya Health Ministry", acronym="M.O.H.", type=OrganisationType.NGO, country="KEN"
            ),
        )
    assert refused.value.details["existing_id"] == kenya
    assert "acronym 'M.O.H.' in KE" in refused.value.message
    with transaction(db) as session, pytest.raises(Invalid, match="shared by several"):
        service.resolve_organisation(session, "MOH")
    with transaction(db) as session:
        assert {h.organisation.country_code for h in service.search(session, "moh")} == {"KE", "GH"}


@pytest.mark.parametrize("country", ["ET", "eth", "Ethiopia", " ethiopia "])
def test_country_is_accepted_as_alpha2_alpha3_or_name_and_stored_as_alpha2(
    db: sessionmaker[Session], register: Register, country: str
) -> None:
    org = register("Government of Ethiopia", OrganisationType.GOVERNMENT, country=country)
    with transaction(db) as session:
        assert service.get_organisation(session, org).country_code == "ET"
        assert [o.id for o in service.list_organisations(session, country="Ethiopia").items] == [org]


def test_unknown_country_is_refused_naming_the_field(db: sessionmaker[Session]) -> None:
    with pytest.raises(Invalid) as refused, transaction(db) as session:
        service.create_organisation(
            session,
            SYSTEM,
            OrganisationCreate(name="Atlantis Red Cross", type=OrganisationType.NGO, country="Atlantis"),
        )
    assert refused.value.details[0]["field"] == "country"
    assert refused.value.details[0]["value"] == "Atlantis"


def test_search_ranks_exact_then_prefix_then_contains(db: sessionmaker[Session], register: Register) -> None:
    contains = register("Friends of the Red Cross Society")
    prefix = register("Red Cross Society of China")
    exact = register("International Committee", acronym="Red Cross")  # exact on the acronym
    with transaction(db) as session:
        hits = service.search(session, "red cross")
    assert [h.organisation.id for h in hits] == [exact, prefix, contains]
    assert [h.rank for h in hits] == [0, 1, 2]
    assert hits[0].matched == "Red Cross"


def test_search_finds_aliases_and_acronyms_ignoring_accents_and_punctuation(
    db: sessionmaker[Session], register: Register
) -> None:
    msf = register("Doctors Without Borders", acronym="MSF", aliases=["Médecins Sans Frontières"])
    with transaction(db) as session:
        by_alias = service.search(session, "medecins sans")
        by_acronym = service.search(session, "M.S.F.")
    assert [(h.organisation.id, h.matched, h.rank) for h in by_alias] == [(msf, "Médecins Sans Frontières", 1)]
    assert [(h.organisation.id, h.matched_kind.value) for h in by_acronym] == [(msf, "acronym")]


def test_list_filters_by_type_and_parent_and_pages(db: sessionmaker[Session], register: Register) -> None:
    government = register("Government of Testland", OrganisationType.GOVERNMENT, country="PK")
    health = register("Testland Health Commission", OrganisationType.GOVERNMENT_AGENCY, parent_id=government)
    foreign = register("Testland Foreign Ministry", OrganisationType.GOVERNMENT_AGENCY, parent_id=government)
    with transaction(db) as session:
        agencies = service.list_organisations(session, type=OrganisationType.GOVERNMENT_AGENCY, limit=1)
        assert agencies.count == 2
        assert [o.id for o in agencies.items] == [foreign]
        assert service.list_organisations(session, parent_id=government).count == 2
        assert [o.id for o in service.children(session, government)] == [foreign, health]


def test_update_changes_fields_and_aliases_and_audits_before_and_after(
    db: sessionmaker[Session], register: Register
) -> None:
    org = register("Amity Foundation", country="CN", aliases=["Amity"])
    with transaction(db) as session:
        service.update_organisation(
            session,
            SYSTEM,
            org,
            OrganisationUpdate(
                website="https://www.amityfoundation.org", aliases=["Amity Foundation China"], acronym="AF"
            ),
        )
    with transaction(db) as session:
        updated = service.get_organisation(session, org)
        assert updated.aliases == ["Amity Foundation China"]
        assert service.resolve_organisation(session, "amity foundation china").id == org
        with pytest.raises(NotFound):
            service.resolve_organisation(session, "Amity")
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "update_organisation", AuditEntry.entity_id == str(org))
        ).one()
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["aliases"] == ["Amity"]
    assert entry.after["aliases"] == ["Amity Foundation China"]
    assert entry.before["website"] is None
    assert entry.after["website"] == "https://www.amityfoundation.org"
    assert entry.after["acronym"] == "AF"


def test_update_to_a_taken_alias_is_refused_and_changes_nothing(db: sessionmaker[Session], register: Register) -> None:
    taken = register("China Soong Ching Ling Foundation")
    org = register("Peace Foundation", aliases=["PF"])
    before = counts(db)
    with pytest.raises(Conflict) as refused, transaction(db) as session:
        service.update_organisation(
            session,
            SYSTEM,
            org,
            OrganisationUpdate(name="Peace Foundation 2", aliases=["China Soong-Ching-Ling Foundation"]),
        )
    assert refused.value.details["existing_id"] == taken
    assert counts(db) == before
    with transaction(db) as session:
        unchanged = service.get_organisation(session, org)
        assert (unchanged.name, unchanged.aliases) == ("Peace Foundation", ["PF"])


def test_renaming_to_an_own_alias_is_allowed(db: sessionmaker[Session], register: Register) -> None:
    org = register("Old Name Foundation", aliases=["New Name Foundation"])
    with transaction(db) as session:
        service.update_organisation(
            session, SYSTEM, org, OrganisationUpdate(name="New Name Foundation", aliases=["Old Name Foundation"])
        )
    with transaction(db) as session:
        renamed = service.get_organisation(session, org)
        assert (renamed.name, renamed.aliases) == ("New Name Foundation", ["Old Name Foundation"])


def test_editor_edits_their_own_organisation_but_not_another(
    db: sessionmaker[Session], register: Register, make_person: Callable[..., Person]
) -> None:
    own = register("Own NGO")
    other = register("Other NGO")
    editor = make_person(Role.EDITOR, organisation_id=own)
    with transaction(db) as session:
        service.update_organisation(session, editor.actor, own, OrganisationUpdate(description="We help"))
    with pytest.raises(Forbidden), transaction(db) as session:
        service.update_organisation(session, editor.actor, other, OrganisationUpdate(description="Hijacked"))
    with pytest.raises(Forbidden), transaction(db) as session:
        service.create_organisation(
            session, editor.actor, OrganisationCreate(name="New NGO", type=OrganisationType.NGO)
        )


def test_viewers_and_anonymous_read_but_cannot_write(
    db: sessionmaker[Session], register: Register, make_person: Callable[..., Person]
) -> None:
    org = register("Readable NGO")
    viewer = make_person(Role.VIEWER, organisation_id=org)
    with pytest.raises(Forbidden), transaction(db) as session:
        service.update_organisation(session, viewer.actor, org, OrganisationUpdate(description="x"))
    with pytest.raises(Unauthorized), transaction(db) as session:
        service.create_organisation(
            session, SYSTEM.anonymous(), OrganisationCreate(name="Nope", type=OrganisationType.NGO)
        )


def test_coordinator_of_another_module_cannot_register(
    db: sessionmaker[Session], make_person: Callable[..., Person]
) -> None:
    hubs = make_person(Role.COORDINATOR, modules=["hubs"])
    partners = make_person(Role.COORDINATOR, modules=["partners"])
    data = OrganisationCreate(name="Coordinated NGO", type=OrganisationType.NGO)
    with pytest.raises(Forbidden), transaction(db) as session:
        service.create_organisation(session, hubs.actor, data)
    with transaction(db) as session:
        assert service.create_organisation(session, partners.actor, data).id


def test_parent_must_exist_and_must_not_loop(db: sessionmaker[Session], register: Register) -> None:
    top = register("Top Organisation")
    middle = register("Middle Organisation", parent_id=top)
    with pytest.raises(Invalid, match="ancestor"), transaction(db) as session:
        service.update_organisation(session, SYSTEM, top, OrganisationUpdate(parent_id=middle))
    with pytest.raises(Invalid, match="does not exist"), transaction(db) as session:
        service.create_organisation(
            session, SYSTEM, OrganisationCreate(name="Orphan", type=OrganisationType.NGO, parent_id=999999)
        )


def test_create_is_audited_with_aliases(db: sessionmaker[Session], register: Register) -> None:
    org = register("Audited NGO", aliases=["AN Group"])
    with transaction(db) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "create_organisation")).one()
    assert entry.entity_id == str(org)
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name"] == "Audited NGO"
    assert entry.after["aliases"] == ["AN Group"]


@pytest.mark.skipif(ENGINE != "postgresql", reason="concurrent writers need PostgreSQL's row locks")
def test_concurrent_registrations_of_one_name_leave_one_and_refuse_the_other(db: sessionmaker[Session]) -> None:
    data = OrganisationCreate(name="Race Foundation", type=OrganisationType.NGO)
    outcome: dict[str, object] = {}
    first = db()
    winner = service.create_organisation(first, SYSTEM, data)  # flushed, not yet committed

    def second() -> None:
        try:
            with transaction(db) as session:
                service.create_organisation(
                    session, SYSTEM, OrganisationCreate(name="race  foundation", type=OrganisationType.NGO)
                )
        except Conflict as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)  # the second insert now waits on the first's uncommitted key
    first.commit()
    first.close()
    thread.join(10)
    error = outcome.get("error")
    assert isinstance(error, Conflict)
    assert error.details["existing_id"] == winner.id
    with transaction(db) as session:
        assert service.list_organisations(session, q="race foundation").count == 1
