"""Demo pupils of one class: identity page, parents, personal ID, photo and verifications.

Shares chosen so the completeness board has something to show: about 85 % of pupils have a
personal ID, 90 % a photo, and most, not all, have every field verified.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from hocbaso.people.actions.bulk import GuardianRow, PupilRow
from hocbaso.people.code_lists import NOT_APPLICABLE
from hocbaso.people.demo import names
from hocbaso.people.demo.places import (
    BIRTH_PROVINCE_ID_CODE,
    CommunePlan,
    address,
    birth_place,
    hometown,
)
from hocbaso.people.demo.portraits import PortraitStore
from hocbaso.people.models import Gender, Guardian, VerificationSource
from hocbaso.people.profile_fields import VERIFIABLE_FIELDS

PERSONAL_ID_SHARE = 0.85
PHOTO_SHARE = 0.90
UNVERIFIED_SHARE = 0.08  # pupils with nothing verified yet
PARTLY_VERIFIED_SHARE = 0.15  # pupils with one to three fields still unverified
SERIAL_SPACE = 1_000_000  # the six last digits of a personal ID
_SERIAL_STEP = 736_487  # odd and not a multiple of 5: n → n·step mod 10⁶ is a bijection


@dataclass(frozen=True)
class ClassContext:
    school_code: str
    school_year_start: int  # 2026 for "2026-2027"
    grade: int
    commune: CommunePlan
    seed: int


def personal_id(serial: int, *, seed: int, birth_year: int, gender: int) -> str:
    """A number with the structure `personal_id.py` checks: Ninh Thuận (058), the sex and
    century digit (2 boy / 3 girl for births in 2000–2099), the year, six digits. Distinct
    serials below 10⁶ give distinct numbers."""
    if not 0 <= serial < SERIAL_SPACE:
        raise ValueError("serial out of range")
    century_digit = 2 if gender == Gender.MALE else 3
    tail = (serial * _SERIAL_STEP + seed * 7919) % SERIAL_SPACE
    return f"{BIRTH_PROVINCE_ID_CODE}{century_digit}{birth_year % 100:02d}{tail:06d}"


def _birth_date(rng: random.Random, ctx: ClassContext) -> dt.date:
    # Grade 1 of 2026-2027 is born in 2020; a few pupils are a year older (late start, repeat).
    year = ctx.school_year_start - 5 - ctx.grade - (1 if rng.random() < 0.03 else 0)
    return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _policy_group(rng: random.Random, ethnicity: str) -> str:
    draw = rng.random()
    if ethnicity != "Kinh" and ethnicity != "Hoa" and draw < 0.5:
        return "Học sinh dân tộc thiểu số"
    if draw > 0.95:
        return "Con hộ nghèo"
    if draw > 0.91:
        return "Con hộ cận nghèo"
    return NOT_APPLICABLE


def _verified(rng: random.Random, profile: dict[str, object]) -> dict[str, str]:
    if rng.random() < UNVERIFIED_SHARE:
        return {}
    present = [f for f in VERIFIABLE_FIELDS if profile.get(f) not in (None, "")]
    if rng.random() < PARTLY_VERIFIED_SHARE:
        for missing in rng.sample(present, k=min(len(present), rng.randint(1, 3))):
            present.remove(missing)
    return {
        f: VerificationSource.POPULATION_DB
        if f == "personal_id"
        else VerificationSource.BIRTH_CERTIFICATE
        for f in present
    }


def pupil_row(
    rng: random.Random,
    ctx: ClassContext,
    *,
    serial: int,
    register_number: str,
    portraits: PortraitStore,
) -> PupilRow:
    gender = rng.choice((Gender.MALE, Gender.FEMALE))
    ethnicity = names.pick_ethnicity(rng)
    family = names.family_name(rng, ethnicity)
    has_father = rng.random() >= 0.02
    father = names.full_name(rng, Gender.MALE, family=family, ethnicity=ethnicity, adult=True)
    mother_ethnicity = ethnicity if rng.random() < 0.85 else "Kinh"
    mother = names.full_name(rng, Gender.FEMALE, ethnicity=mother_ethnicity, adult=True)
    child_family = family if has_father else mother.split(" ", 1)[0]
    parent_given = (father if gender == Gender.MALE else mother).rsplit(" ", 1)[1]
    child = names.full_name(
        rng, gender, family=child_family, ethnicity=ethnicity, avoid_given=parent_given
    )
    birth_date = _birth_date(rng, ctx)
    # A few pupils live with a grandparent appointed as guardian.
    guardian = names.full_name(rng, Gender.FEMALE, adult=True) if rng.random() < 0.01 else ""
    profile: dict[str, object] = {
        "full_name": child,
        "gender": "Nam" if gender == Gender.MALE else "Nữ",
        "birth_date": birth_date.strftime("%d/%m/%Y"),
        "ethnicity": ethnicity,
        "nationality": "VN",
        "birth_place": birth_place(rng),
        "hometown": hometown(rng),
        "current_address": address(rng, ctx.commune),
        "father_name": father if has_father else NOT_APPLICABLE,
        "mother_name": mother,
        "guardian_name": guardian or NOT_APPLICABLE,
        "policy_group": _policy_group(rng, ethnicity),
        "personal_id": "",
    }
    if rng.random() < PERSONAL_ID_SHARE:
        profile["personal_id"] = personal_id(
            serial, seed=ctx.seed, birth_year=birth_date.year, gender=gender
        )
    guardians = []
    if has_father:
        phone = names.mobile_number(rng) if rng.random() < 0.75 else ""
        guardians.append(GuardianRow(Guardian.Relation.FATHER, father, phone))
    guardians.append(GuardianRow(Guardian.Relation.MOTHER, mother, names.mobile_number(rng)))
    if guardian:
        guardians.append(
            GuardianRow(Guardian.Relation.GUARDIAN, guardian, names.mobile_number(rng))
        )
    photo = portraits.photo_for(child, gender) if rng.random() < PHOTO_SHARE else None
    verified = _verified(rng, profile)
    return PupilRow(
        profile=profile,
        register_number=register_number,
        guardians=tuple(guardians),
        photo=photo,
        verified=verified,
    )


def class_rows(
    ctx: ClassContext,
    *,
    count: int,
    first_serial: int,
    first_register: int,
    class_name: str,
    portraits: PortraitStore,
) -> list[PupilRow]:
    """The pupils of one class. Each class has its own random stream (seed, school, class), so
    its names do not depend on the size of other classes; `first_serial` numbers its pupils in
    the whole province, which keeps personal IDs unique."""
    seed = f"{ctx.seed}:{ctx.school_code}:{class_name}:pupils"
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    entry_year = ctx.school_year_start - ctx.grade + 1
    return [
        pupil_row(
            rng,
            ctx,
            serial=first_serial + i,
            register_number=f"{first_register + i:03d}/{entry_year}",
            portraits=portraits,
        )
        for i in range(count)
    ]
