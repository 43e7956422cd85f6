"""Erasure, attacked (docs/conventions.md « Personal data »): after `aid-engine purge`, nothing stored lets
anyone recover a purged value, neither by reading the bytes nor by trying every candidate.

The store is built by real commands (tests/store/attack_helpers.py): a first batch whose declarations carry
distinctive personal values, a recovery, the purge of that batch, a second batch (kept), a recovery, a
`check --save`.  Then:
(a) **the bytes**: the SQLite file (and any -wal/-journal beside it), and on PostgreSQL every data file of the
    database after CHECKPOINT (`SHOW data_directory`, then base/<database oid>/; the WAL is left out: it is
    what the README says no tool reaches, with backups), are searched for every purged value in every written
    form — text as received, the canonical decimal, cents, metres, ISO and French dates, with the thousands
    spaces a trace would print — and none may be found.  On PostgreSQL the text columns are first set to
    STORAGE EXTERNAL, so that no value hides in a compressed TOAST chunk: what is there can be read.  The same
    scan must find the kept declarations' values (else it could not fail).
(b) **the brute force**: for each purged declaration, every candidate over sex (F, M, X, absent) × every birth
    date of the true year × own_tax_return × incomes within 20 cents of the true one (the true declaration is
    among them), with every other field as it was, is hashed in the forms a store could keep — the sha256 of
    the canonical JSON, of the candidate's decision JSON and of each of its trace steps — and compared with
    every digest-looking value of every table (hex and base64 of 32 bytes, in any column, inside any text).
    Nothing may match.  The same attack must recognise a kept declaration's digest when the store holds its
    plain sha256 (checked against a hand-made digest, so the attack is known to work).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from attack_helpers import REQUIRE_PG_ENV, Built, build_store, engine_of, pg_base_url, reflect
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.engine import Engine

import aid_engine
from aid_engine.models import Declaration

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
SPACES = (" ", "\u00a0", "\u202f")  # how a French amount's thousands may be separated
INCOME_SPREAD = 20  # cents either side of the true income
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- what to look for --------------------------------------------------------------------------------------


def _decimal_forms(value: Decimal, places: int) -> set[str]:
    """A decimal as text, canonical, with a comma, with French thousands, and as an integer of 10^-places."""
    fixed = f"{value:.{places}f}"
    whole, _, fraction = fixed.partition(".")
    forms = {fixed, f"{whole},{fraction}", whole + fraction}
    grouped = f"{int(whole):,}".replace(",", "{}")
    for space in SPACES:
        forms.add(grouped.format(*[space] * grouped.count("{}")) + "," + fraction)
    return forms


def _date_forms(day: date) -> set[str]:
    return {day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%Y%m%d"),
            f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}"}


def purged_forms(built: Built) -> dict[str, set[str]]:
    """Every written form of every distinctive purged value, by what it is."""
    forms: dict[str, set[str]] = {}
    for row in built.purged:
        income = Decimal(row["revenu_brut_global"].replace(",", "."))
        distance = Decimal(row["distance_km"].replace(",", "."))
        birth = date.fromisoformat(row["birth_date"])
        forms[f"{row['learner_id']} revenu_brut_global"] = _decimal_forms(income, 2)
        forms[f"{row['learner_id']} distance_km"] = _decimal_forms(distance, 3) | _decimal_forms(distance, 2)
        forms[f"{row['learner_id']} birth_date"] = _date_forms(birth)
    return forms


def kept_forms(built: Built) -> set[str]:
    """The canonical income of each kept declaration: the scan must find these (it could not fail otherwise)."""
    return {f"{Decimal(row['revenu_brut_global'].replace(',', '.')):.2f}" for row in built.kept}


_WORD = frozenset(b"0123456789abcdefABCDEF")


def _occurs(needle: bytes, blob: bytes) -> bool:
    """Whether `needle` is in `blob`; a form made of digits only (cents, a compact date) must stand alone, not
    inside a longer run of hex digits, where any six digits turn up by chance among thousands of digests."""
    if not needle.isdigit():
        return needle in blob
    start = blob.find(needle)
    while start >= 0:
        end = start + len(needle)
        if (start == 0 or blob[start - 1] not in _WORD) and (end == len(blob) or blob[end] not in _WORD):
            return True
        start = blob.find(needle, start + 1)
    return False


def find_in(blobs: dict[str, bytes], forms: dict[str, set[str]]) -> list[str]:
    found = []
    for what, texts in forms.items():
        for form in texts:
            needle = form.encode("utf-8")
            for where, blob in blobs.items():
                if _occurs(needle, blob):
                    found.append(f"{what} as {form!r} in {where}")
    return found


def sqlite_blobs(path: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in path.parent.iterdir() if p.name.startswith(path.name)}


# -- what the store keeps that looks like a digest ---------------------------------------------------------

HEX64 = re.compile(r"[0-9a-fA-F]{64}")
B64_32 = re.compile(r"[A-Za-z0-9+/_-]{43}=?")


def stored_digests(engine: Engine) -> set[str]:
    """Every 32-byte digest-looking value in every column of every table: hex (lower case) and base64 tokens
    found in any text, and binary values of 32 bytes as hex."""
    found: set[str] = set()
    with engine.connect() as connection:
        for table in reflect(engine):
            for row in connection.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        raw = bytes(value)
                        found.add(raw.hex())
                        found.update(m.lower() for m in HEX64.findall(raw.decode("latin-1")))
                    elif isinstance(value, str):
                        found.update(m.lower() for m in HEX64.findall(value))
                        found.update(m.rstrip("=") for m in B64_32.findall(value))
    return found


def _forms_of(digest: bytes) -> tuple[str, ...]:
    return (digest.hex(), base64.b64encode(digest).decode().rstrip("="),
            base64.urlsafe_b64encode(digest).decode().rstrip("="))


@dataclass
class Attack:
    tried: int = 0
    matches: list[str] | None = None


def _canonical(row: dict[str, str]) -> dict[str, Any]:
    declaration = Declaration.from_csv_row({k: v for k, v in row.items() if v}, line=1)
    return dict(declaration.model_dump(mode="json"))


def _decision_digests(values: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    decision = aid_engine.evaluate(values)
    text_ = decision.model_dump_json()
    yield "decision JSON", hashlib.sha256(text_.encode()).digest()
    yield "canonical decision JSON", hashlib.sha256(_CANONICAL.encode(json.loads(text_)).encode()).digest()
    for step in decision.trace:
        yield f"trace step {step.rule}", hashlib.sha256(step.model_dump_json().encode()).digest()
        yield f"trace step {step.rule} (canonical)", hashlib.sha256(
            _CANONICAL.encode(step.model_dump(mode="json")).encode()).digest()


def brute_force(row: dict[str, str], stored: set[str]) -> Attack:
    """Every candidate of the space (see the module docstring) against the store's digests."""
    true = _canonical(row)
    birth = date.fromisoformat(true["birth_date"])
    days = [date(birth.year, 1, 1) + timedelta(days=n) for n in range(366)]
    days = [d for d in days if d.year == birth.year]
    true_cents = int(Decimal(true["revenu_brut_global"]) * 100)
    incomes = [f"{c // 100}.{c % 100:02d}" for c in range(true_cents - INCOME_SPREAD, true_cents + INCOME_SPREAD + 1)]
    attack = Attack(matches=[])
    assert attack.matches is not None
    encode = _CANONICAL.encode
    for own in (True, False):
        for income in incomes:
            base = true | {"own_tax_return": own, "revenu_brut_global": income}
            for what, digest in _decision_digests(base):  # the rules read neither sex nor birth date (checked)
                attack.tried += 1
                if any(form in stored for form in _forms_of(digest)):
                    attack.matches.append(f"{what} of own_tax_return={own}, income={income}")
            for sex in ("F", "M", "X", None):
                for day in days:
                    candidate = base | {"sex": sex, "birth_date": day.isoformat()}
                    text_ = encode(candidate)
                    for what, blob in (("canonical declaration", text_),
                                       ("declaration as JSON", json.dumps(candidate, sort_keys=True))):
                        attack.tried += 1
                        digest = hashlib.sha256(blob.encode()).digest()
                        if digest.hex() in stored or any(form in stored for form in _forms_of(digest)[1:]):
                            attack.matches.append(f"sha256 of the {what} with sex={sex}, birth_date={day}, "
                                                  f"own_tax_return={own}, income={income}")
    return attack


def _rules_ignore_sex_and_birth(row: dict[str, str]) -> None:
    true = _canonical(row)
    same = {aid_engine.evaluate(true | change).model_dump_json()
            for change in ({}, {"sex": "X"}, {"sex": None}, {"birth_date": "1970-01-01"})}
    assert len(same) == 1, "the rules now read sex or birth date: the brute force must evaluate every candidate"


def assert_nothing_recovers(built: Built, engine: Engine) -> None:
    stored = stored_digests(engine)
    # The attack works: a kept declaration's plain sha256, put among the digests by hand, is found.
    control = next(dict(row) for row in built.kept if row.get("birth_date") and row.get("revenu_brut_global"))
    control_digest = hashlib.sha256(_CANONICAL.encode(_canonical(control)).encode()).hexdigest()
    assert brute_force(control, stored | {control_digest}).matches, "the brute force cannot find a true value"
    _rules_ignore_sex_and_birth(built.purged[0])
    recovered = []
    for row in built.purged[:2]:
        attack = brute_force(row, stored)
        assert attack.tried > 100_000
        recovered += [f"{row['learner_id']}: {m}" for m in attack.matches or []]
    assert not recovered, (
        "purged personal values are recovered by trying candidates against the digests the store keeps "
        "(docs/conventions.md « Personal data »: digests over personal data must be keyed, the key destroyed by "
        "the purge):\n"
        + "\n".join(recovered[:20]))


def assert_bytes_clean(built: Built, blobs: dict[str, bytes]) -> None:
    assert find_in(blobs, {"kept incomes": kept_forms(built)}), \
        "the scan does not find the kept declarations' incomes: it could not find a purged one either"
    found = find_in(blobs, purged_forms(built))
    assert not found, (
        "purged personal values are still readable in the store's bytes after `aid-engine purge` (docs/conventions.md "
        "« Personal data »: SQLite overwrites freed pages with secure_delete, PostgreSQL VACUUMs the touched "
        "tables and CHECKPOINTs, and no record, trace or digest keeps the value):\n" + "\n".join(found[:30]))


# -- SQLite -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    workdir = tmp_path_factory.mktemp("erasure-sqlite")
    return build_store(f"sqlite:///{workdir / 'store.db'}", workdir)


def test_the_scan_finds_a_number_on_its_own_and_not_inside_a_digest() -> None:
    assert _occurs(b"220199", b'{"distance_km":220199}') and _occurs(b"220199", b"220199")
    assert _occurs(b"220199", b"\x00\x01220199\x00") and _occurs(b"2201.99", b"ab2201.99cd")
    assert not _occurs(b"220199", b"9f3a220199be") and not _occurs(b"220199", b"2201990")
    assert _occurs(b"220199", b"9f3a220199be 220199 ")


def test_no_purged_value_in_the_sqlite_file(sqlite_built: Built) -> None:
    assert_bytes_clean(sqlite_built, sqlite_blobs(Path(sqlite_built.url.removeprefix("sqlite:///"))))


def test_no_purged_value_recovered_by_brute_force_on_sqlite(sqlite_built: Built) -> None:
    engine = engine_of(sqlite_built.url)
    try:
        assert_nothing_recovers(sqlite_built, engine)
    finally:
        engine.dispose()


# -- PostgreSQL ---------------------------------------------------------------------------------------------


def _external_storage(engine: Engine) -> None:
    """Text columns stored uncompressed: a value the store keeps is then readable in the files, as it would be
    to anyone who decompresses a TOAST chunk."""
    with engine.begin() as connection:
        columns = connection.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND data_type IN ('text', 'character varying', 'bytea', 'json', 'jsonb')")).all()
        for table, column in columns:
            connection.execute(text(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET STORAGE EXTERNAL'))


@pytest.fixture(scope="module")
def pg_built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    base = pg_base_url()
    schema = f"erasure_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    try:
        yield build_store(url, tmp_path_factory.mktemp("erasure-pg"), before_first_write=_external_storage)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _pg_data_files(url: str) -> dict[str, bytes]:
    """Every data file of the database after CHECKPOINT, or skip (fail under CI) when they cannot be read."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            try:
                connection.execute(text("CHECKPOINT"))
                directory = Path(connection.execute(text("SHOW data_directory")).scalar_one())
            except Exception as exc:  # not a superuser: the server will not say where its files are
                reason = f"cannot CHECKPOINT or find the data directory: {type(exc).__name__}"
                directory = None
            oid = connection.execute(text("SELECT oid FROM pg_database WHERE datname = current_database()")
                                     ).scalar_one()
    finally:
        engine.dispose()
    if directory is not None:
        files = directory / "base" / str(oid)
        try:
            return {str(p): p.read_bytes() for p in sorted(files.iterdir()) if p.is_file()}
        except OSError as exc:
            reason = f"cannot read {files}: {exc.strerror}"
    if os.environ.get(REQUIRE_PG_ENV):
        pytest.fail(f"{REQUIRE_PG_ENV} is set but the PostgreSQL data files cannot be scanned: {reason}")
    pytest.skip(f"the PostgreSQL data files cannot be scanned: {reason}")


@pytest.mark.postgres
def test_no_purged_value_in_the_postgresql_data_files(pg_built: Built) -> None:
    assert_bytes_clean(pg_built, _pg_data_files(pg_built.url))


@pytest.mark.postgres
def test_no_purged_value_recovered_by_brute_force_on_postgresql(pg_built: Built) -> None:
    engine = engine_of(pg_built.url)
    try:
        assert_nothing_recovers(pg_built, engine)
    finally:
        engine.dispose()
