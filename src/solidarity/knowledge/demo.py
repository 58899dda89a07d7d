"""Demo records for the knowledge module: clearly labelled demo guidelines and vaccine candidates, and
a few real measures with their sources. Loading twice adds nothing the second time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from solidarity.actor import Actor
from solidarity.knowledge import measures, service, vaccines
from solidarity.knowledge.models import Document, Measure, MeasureType, Phase, Platform, VaccineCandidate
from solidarity.knowledge.schemas import CandidateCreate, DocumentCreate, MeasureCreate, PhaseEntry

NOTE = "Demo text written for this demo instance; not an official guideline."

_GUIDELINES = [
    (
        "（演示）新冠肺炎防控方案：密切接触者管理",
        "zh",
        "（演示文本）密切接触者应实行集中隔离医学观察14天，每日两次测量体温；隔离期间出现发热或咳嗽等症状，"
        "应立即转运至定点医疗机构。",
        "Demo: Prevention and control protocol: managing close contacts",
        "en",
        "Demo text. Close contacts are placed in centralised quarantine with medical observation for 14 days, "
        "with temperature checks twice a day; anyone who develops fever or cough during quarantine is moved "
        "at once to a designated hospital.",
    ),
    (
        "（演示）医院感染防控指引：发热门诊",
        "zh",
        "（演示文本）发热门诊应独立设置，实行预检分诊；医务人员按规定穿戴口罩、护目镜和防护服。",
        "Demo: Infection prevention in hospitals: fever clinics",
        "en",
        "Demo text. Fever clinics are set apart from other wards and triage every patient at the door; "
        "health workers wear masks, goggles and protective gowns as required.",
    ),
]

_CANDIDATES = [
    (Platform.INACTIVATED, "Demo candidate I (inactivated virus)", Phase.PHASE_3),
    (Platform.RECOMBINANT_PROTEIN, "Demo candidate R (recombinant protein subunit)", Phase.PHASE_2),
    (Platform.LIVE_ATTENUATED_INFLUENZA_VECTORED, "Demo candidate L (live attenuated influenza vector)", Phase.PHASE_1),
    (Platform.ADENOVIRUS_VECTORED, "Demo candidate A (adenovirus vector)", Phase.AUTHORISED),
    (Platform.NUCLEIC_ACID, "Demo candidate N (mRNA)", Phase.PHASE_3),
]

_MEASURES = [
    MeasureCreate(
        country="CN",
        area_name="Wuhan",
        measure_type=MeasureType.CITY_LOCKDOWN,
        level=3,
        description="Public transport suspended and outbound routes from the city closed from 10:00 on 23 January.",
        start_date=dt.date(2020, 1, 23),
        end_date=dt.date(2020, 4, 8),
        source="Wuhan Municipal Headquarters for the Prevention and Control of the Novel Coronavirus, Notice No. 1",
    ),
    MeasureCreate(
        country="IT",
        measure_type=MeasureType.NATIONAL_LOCKDOWN,
        level=3,
        description="Movement restrictions extended to the whole national territory.",
        start_date=dt.date(2020, 3, 9),
        source="Decree of the President of the Council of Ministers (DPCM), 9 March 2020",
    ),
    MeasureCreate(
        country="GB",
        measure_type=MeasureType.STAY_AT_HOME,
        level=3,
        description="People told to stay at home except for limited reasons.",
        start_date=dt.date(2020, 3, 23),
        source="Prime Minister's statement on coronavirus, 23 March 2020",
    ),
]


def load(session: Session, actor: Actor) -> int:
    """Add the demo documents, candidates and measures that are not there yet; return how many were added."""
    created = 0
    unused = Path(".")  # demo documents carry their text in the summary: no file is stored
    phases = list(Phase)
    for zh_title, zh_lang, zh_text, en_title, en_lang, en_text in _GUIDELINES:
        if session.scalar(select(Document.id).where(Document.title == zh_title)) is not None:
            continue
        zh = service.add_document(
            session,
            actor,
            DocumentCreate(
                title=zh_title,
                language=zh_lang,
                summary=zh_text,
                topics=["prevention and control"],
                countries=["CN"],
                published_on=dt.date(2020, 3, 7),
            ),
            storage_dir=unused,
            max_bytes=1,
        )
        service.add_document(
            session,
            actor,
            DocumentCreate(
                title=en_title,
                language=en_lang,
                summary=f"{en_text} {NOTE}",
                topics=["prevention and control"],
                countries=["CN", "IT"],
                translation_of=zh.id,
                published_on=dt.date(2020, 3, 9),
            ),
            storage_dir=unused,
            max_bytes=1,
        )
        created += 2
    for platform, name, furthest in _CANDIDATES:
        if session.scalar(select(VaccineCandidate.id).where(VaccineCandidate.name == name)) is not None:
            continue
        history = [
            PhaseEntry(phase=p, started_on=dt.date(2020, 2, 1) + dt.timedelta(days=75 * i))
            for i, p in enumerate(phases[: furthest.order + 1])
        ]
        vaccines.add_candidate(
            session,
            actor,
            CandidateCreate(
                name=name,
                platform=platform,
                phases=history,
                developers=["Demo developer"],
                partners=["Demo international partner"],
                trial_countries=["BR", "AE"],
                description="Invented for the demo; not a real vaccine.",
                is_global_public_good=platform is Platform.INACTIVATED,
                public_good_source="Demo source" if platform is Platform.INACTIVATED else None,
                source="Demo data",
            ),
        )
        created += 1
    for data in _MEASURES:
        exists = select(Measure.id).where(
            Measure.country_code == data.country,
            Measure.start_date == data.start_date,
            Measure.measure_type == data.measure_type,
        )
        if session.scalar(exists) is None:
            measures.record_measure(session, actor, data)
            created += 1
    return created
