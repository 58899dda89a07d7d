"""The library's verbs: add documents with their files, find them, and search them on either engine.

Files are stored under ``<data_dir>/knowledge/<sha256[:2]>/<sha256>``: the name on disk is the
content's hash, never the client's file name, so no upload can choose a path. The display name is
kept after ``check_upload_name``. Searching lives in ``querying``; its names are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from solidarity.actor import Actor
from solidarity.assistance import service as assistance
from solidarity.audit import service as audit
from solidarity.errors import Invalid, NotFound, TooLarge
from solidarity.imports import check_upload_name
from solidarity.knowledge import querying
from solidarity.knowledge.extraction import extract_text
from solidarity.knowledge.filetypes import sniff
from solidarity.knowledge.models import Document, DocumentCountry, DocumentMeasure, DocumentTopic, Measure
from solidarity.knowledge.querying import DocumentFilters, Page, filter_conditions
from solidarity.knowledge.schemas import DocumentCreate, DocumentUpdate
from solidarity.knowledge.search import cjk_terms
from solidarity.partners import service as partners
from solidarity.partners.models import Organisation
from solidarity.reference.countries import resolve_country

MODULE = "knowledge"
CHUNK = 1 << 20
search = querying.search
T = TypeVar("T")


@dataclass(frozen=True)
class Upload:
    """An uploaded file: the name the client gave and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class TrainingSession:
    """A training recorded in the assistance ledger: the flow, what it taught, and when."""

    flow_id: int
    topic: str
    flow_date: dt.date


@dataclass(frozen=True)
class CountryKnowledge:
    country_code: str
    shared: list[Document]
    received: list[Document]
    measures: list[Measure] = field(default_factory=list)


# --- files ----------------------------------------------------------------------------------------


def read_upload(stream: BinaryIO, name: str, max_bytes: int) -> Upload:
    """Read an upload in chunks, refusing it with ``TooLarge`` as soon as it passes ``max_bytes``."""
    display = check_upload_name(name)
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(
                f"{display} is larger than the upload limit of {max_bytes} bytes",
                details={"limit_bytes": max_bytes, "file": display},
            )
        parts.append(chunk)
    return Upload(display, b"".join(parts))


def file_path(storage_dir: Path, sha256: str) -> Path:
    """Where the file with this hash lives; the hash is checked so no caller can smuggle in a path."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound("No such file")
    return storage_dir / "knowledge" / sha256[:2] / sha256


def _store(storage_dir: Path, content: bytes) -> str:
    import hashlib

    sha = hashlib.sha256(content).hexdigest()
    target = file_path(storage_dir, sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, target)
    return sha


# --- documents ------------------------------------------------------------------------------------


def _organisation(session: Session, text_: str | None, field_name: str = "organisation") -> Organisation | None:
    if text_ is None or not str(text_).strip():
        return None
    try:
        return partners.resolve_organisation(session, str(text_))
    except NotFound:
        raise Invalid(
            f"Organisation {text_!r} is not registered",
            details=[{"field": field_name, "value": text_, "reason": "unknown organisation"}],
        ) from None


def snapshot(doc: Document) -> dict[str, Any]:
    fields = tuple(c.key for c in Document.__table__.columns if c.key not in ("body_text", "cjk_terms"))
    linked = {"topics": doc.topic_names, "countries": doc.country_codes}
    return audit.snapshot(doc, fields) | linked | {"measure_ids": sorted(m.measure_id for m in doc.measures)}


def add_document(
    session: Session,
    actor: Actor,
    data: DocumentCreate,
    *,
    upload: Upload | None = None,
    storage_dir: Path,
    max_bytes: int,
) -> Document:
    """Add a document with its file (PDF, HTML, Markdown, text) or link, and index it for search.

    Raises ``Forbidden`` unless the actor writes knowledge for the publishing organisation (an
    editor's own by default), ``Invalid`` for an unknown organisation, country, measure, translated
    document or training session, ``TooLarge`` past ``max_bytes``, ``UnsupportedFileType`` when the
    content is not a document, and ``UnreadableDocument`` for a PDF that cannot be read.
    """
    org = _organisation(session, data.organisation)
    owner = org.id if org is not None else actor.organisation_id
    actor.require_write(MODULE, owner)
    countries = [resolve_country(c, field="countries").alpha2 for c in data.countries]
    doc = Document(
        title=data.title,
        summary=data.summary.strip(),
        language=data.language.lower(),
        document_type=data.document_type,
        organisation_id=owner,
        published_on=data.published_on,
        link=data.link,
        training_session_id=_training_session_id(session, data.training_session_id),
        body_text="",
    )
    if upload is not None:
        _attach(doc, upload, storage_dir=storage_dir, max_bytes=max_bytes)
    if data.translation_of is not None:
        _join_translations(session, doc, data.translation_of)
    doc.measures = _measures(session, data.measure_ids)
    doc.topics = [DocumentTopic(topic=t) for t in dict.fromkeys(t.lower() for t in data.topics)]
    doc.countries = [DocumentCountry(country_code=c) for c in dict.fromkeys(countries)]
    _index(doc)
    session.add(doc)
    session.flush()
    audit.record(
        session, actor, module=MODULE, action="add", entity_type="document", entity_id=doc.id, after=snapshot(doc)
    )
    return doc


def _attach(doc: Document, upload: Upload, *, storage_dir: Path, max_bytes: int) -> None:
    """Check, store and extract ``upload`` as the document's file (its text replaces the old file's)."""
    name = check_upload_name(upload.name)
    if len(upload.content) > max_bytes:
        raise TooLarge(
            f"{name} is larger than the upload limit of {max_bytes} bytes",
            details={"limit_bytes": max_bytes, "file": name},
        )
    kind = sniff(upload.content, name)
    doc.body_text = extract_text(upload.content, kind, name)
    doc.file_name, doc.file_kind, doc.file_size = name, kind.value, len(upload.content)
    doc.file_sha256 = _store(storage_dir, upload.content)


def _index(doc: Document) -> None:
    """Refresh the CJK search terms; the engine's index follows the row (FTS5 triggers, generated tsvector)."""
    doc.cjk_terms = cjk_terms(f"{doc.title}\n{doc.summary}\n{doc.body_text}")


def _join_translations(session: Session, doc: Document, original_id: int) -> None:
    original = session.get(Document, original_id)
    if original is None or (doc.id is not None and original.id == doc.id):
        reason = "unknown document" if original is None else "a document cannot translate itself"
        raise Invalid(
            f"Document {original_id} cannot be the original: {reason}",
            details=[{"field": "translation_of", "value": original_id, "reason": reason}],
        )
    if original.translation_group is None:
        original.translation_group = original.id
    doc.translation_group = original.translation_group


def _measures(session: Session, measure_ids: Sequence[int]) -> list[DocumentMeasure]:
    for measure_id in dict.fromkeys(measure_ids):
        if session.get(Measure, measure_id) is None:
            raise Invalid(
                f"Measure {measure_id} does not exist",
                details=[{"field": "measure_ids", "value": measure_id, "reason": "unknown measure"}],
            )
    return [DocumentMeasure(measure_id=m) for m in dict.fromkeys(measure_ids)]


def _training_session_id(session: Session, flow_id: int | None) -> int | None:
    if flow_id is not None:
        training_session(session, flow_id)
    return flow_id


def training_session(session: Session, flow_id: int) -> TrainingSession:
    """The training session recorded as assistance flow ``flow_id``.

    Raises ``Invalid`` (field ``training_session_id``) when the ledger has no such flow or the flow
    is not training (modality or capacity kind ``training``).
    """
    try:
        version = assistance.current_version(session, flow_id)
    except NotFound:
        version = None
    if version is None or not _is_training(version.modality, version.capacity_kind):
        reason = "no such assistance flow" if version is None else "the assistance flow is not a training"
        raise Invalid(
            f"Training session {flow_id}: {reason}",
            details=[{"field": "training_session_id", "value": flow_id, "reason": reason}],
        )
    topic = version.topic or version.activities or version.description
    return TrainingSession(flow_id, topic, version.flow_date)


def document_training_session(session: Session, doc: Document) -> TrainingSession | None:
    """The training session ``doc`` links to, or None (also when that flow is no longer a training)."""
    if doc.training_session_id is None:
        return None
    try:
        return training_session(session, doc.training_session_id)
    except Invalid:
        return None


def documents_for_training_session(session: Session, flow_id: int) -> list[Document]:
    """The documents linked to training session (assistance flow) ``flow_id``, newest first; for the
    flow's page to link back."""
    query = select(Document).where(Document.training_session_id == flow_id)
    return list(session.scalars(query.order_by(Document.published_on.desc().nulls_last(), Document.id.desc())))


def _is_training(modality: object, capacity_kind: object) -> bool:
    return str(modality) == "training" or str(capacity_kind) == "training"


def training_sessions(session: Session, *, limit: int = 200) -> list[TrainingSession]:
    """Training sessions in the assistance ledger, newest first (for choosing one in a form)."""
    flows, _ = assistance.list_flows(session, assistance.Filters(modality="training"), limit=limit)
    return [TrainingSession(v.flow_id, v.topic or v.activities or v.description, v.flow_date) for v in flows]


def update_document(
    session: Session,
    actor: Actor,
    document_id: int,
    data: DocumentUpdate,
    *,
    upload: Upload | None = None,
    storage_dir: Path,
    max_bytes: int,
) -> Document:
    """Change the fields sent in ``data`` and, with ``upload``, replace the file and re-extract its text.

    Search follows at once: the row's text and CJK terms change in the same transaction as the
    index (FTS5 triggers on SQLite, the generated ``tsvector`` on PostgreSQL). Raises ``Forbidden``
    unless the actor writes the document's organisation (and the new one, when it moves), and the
    errors of ``add_document`` for bad values or files.
    """
    doc = get_document(session, document_id)
    actor.require_write(MODULE, doc.organisation_id)
    before = snapshot(doc)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("organisation"):  # a publisher can be changed, not removed
        org = _organisation(session, data.organisation)
        if org is not None and org.id != doc.organisation_id:
            actor.require_write(MODULE, org.id)
            doc.organisation_id = org.id
    for name in ("title", "document_type"):
        if changes.get(name) is not None:
            setattr(doc, name, changes[name])
    if "summary" in changes:
        doc.summary = (data.summary or "").strip()
    if changes.get("language") is not None:
        doc.language = str(changes["language"]).lower()
    for name in ("published_on", "link"):
        if name in changes:
            setattr(doc, name, changes[name])
    # Rows that stay are kept, not deleted and inserted again (the flush would insert first and
    # trip the unique constraints).
    if "topics" in changes:
        kept = {t.topic: t for t in doc.topics}
        topics = dict.fromkeys(t.lower() for t in data.topics or [])
        doc.topics = [kept.get(t) or DocumentTopic(topic=t) for t in topics]
    if "countries" in changes:
        codes = dict.fromkeys(resolve_country(c, field="countries").alpha2 for c in data.countries or [])
        kept_countries = {c.country_code: c for c in doc.countries}
        doc.countries = [kept_countries.get(c) or DocumentCountry(country_code=c) for c in codes]
    if "measure_ids" in changes:
        kept_measures = {m.measure_id: m for m in doc.measures}
        doc.measures = [kept_measures.get(m.measure_id) or m for m in _measures(session, data.measure_ids or [])]
    if "training_session_id" in changes:
        doc.training_session_id = _training_session_id(session, data.training_session_id)
    if "translation_of" in changes:
        if data.translation_of is None:
            doc.translation_group = None
        else:
            _join_translations(session, doc, data.translation_of)
    if upload is not None:
        _attach(doc, upload, storage_dir=storage_dir, max_bytes=max_bytes)
    _index(doc)
    session.flush()
    after = snapshot(doc)
    if after != before:
        audit.record(
            session,
            actor,
            module=MODULE,
            action="update",
            entity_type="document",
            entity_id=doc.id,
            before=before,
            after=after,
        )
    return doc


def get_document(session: Session, document_id: int) -> Document:
    """The document with this id; ``NotFound`` otherwise."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"Document {document_id} does not exist")
    return doc


def delete_document(session: Session, actor: Actor, document_id: int) -> None:
    """Remove a document from the library (its stored file stays: another document may share it)."""
    doc = get_document(session, document_id)
    actor.require_write(MODULE, doc.organisation_id)
    before = snapshot(doc)
    session.delete(doc)
    session.flush()
    audit.record(
        session, actor, module=MODULE, action="delete", entity_type="document", entity_id=document_id, before=before
    )


def translations(session: Session, doc: Document) -> list[Document]:
    """The other language versions of ``doc``, by language."""
    if doc.translation_group is None:
        return []
    query = select(Document).where(Document.translation_group == doc.translation_group, Document.id != doc.id)
    return list(session.scalars(query.order_by(Document.language, Document.id)))


def translations_of(session: Session, docs: Sequence[Document]) -> dict[int, list[Document]]:
    """For each document id, its other language versions (one query for a whole page)."""
    groups = {d.translation_group for d in docs if d.translation_group is not None}
    if not groups:
        return {}
    members = session.scalars(
        select(Document).where(Document.translation_group.in_(groups)).order_by(Document.language)
    )
    by_group: dict[int, list[Document]] = {}
    for member in members:
        by_group.setdefault(member.translation_group or 0, []).append(member)
    return {d.id: [m for m in by_group.get(d.translation_group or -1, []) if m.id != d.id] for d in docs}


def list_documents(
    session: Session, filters: DocumentFilters = DocumentFilters(), *, limit: int = 50, offset: int = 0
) -> Page[Document]:
    """Documents matching the filters, newest first."""
    conditions = filter_conditions(filters)
    count = session.scalar(select(func.count()).select_from(Document).where(*conditions)) or 0
    query = (
        select(Document)
        .where(*conditions)
        .options(selectinload(Document.topics), selectinload(Document.countries))
        .order_by(Document.published_on.desc().nulls_last(), Document.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return Page(list(session.scalars(query)), count)


def country_knowledge(session: Session, country: str) -> CountryKnowledge:
    """What a country shared (documents its organisations published) and received (documents concerning it)."""
    code = resolve_country(country).alpha2
    shared = session.scalars(
        select(Document)
        .join(Organisation, Organisation.id == Document.organisation_id)
        .where(Organisation.country_code == code)
        .order_by(Document.published_on.desc().nulls_last(), Document.id.desc())
    )
    received = session.scalars(
        select(Document)
        .join(DocumentCountry, DocumentCountry.document_id == Document.id)
        .where(DocumentCountry.country_code == code)
        .order_by(Document.published_on.desc().nulls_last(), Document.id.desc())
    )
    measures = session.scalars(select(Measure).where(Measure.country_code == code).order_by(Measure.start_date))
    return CountryKnowledge(code, list(shared), list(received), list(measures))


def topics_in_use(session: Session) -> list[str]:
    return list(session.scalars(select(DocumentTopic.topic).distinct().order_by(DocumentTopic.topic)))


def languages_in_use(session: Session) -> list[str]:
    return list(session.scalars(select(Document.language).distinct().order_by(Document.language)))
