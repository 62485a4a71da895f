"""The officers' search: one box for an ID number (or its last digits), an old CMND number, a name
(with or without diacritics, typos tolerated) or words of the text, plus filters that combine,
limited to what the asking account may see.

Results come in tiers: documents of the person whose number matches exactly, then of people whose
name matches (whole words, then typed prefixes, then typo corrections), then full-text matches.
Names are corrected word by word against the vocabulary of people's names (a few thousand folded
syllables, even for millions of people), so a typo costs one rapidfuzz pass over that vocabulary
and one more index query, never a scan of the people.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from datetime import time as day_time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from sqlalchemy import BindParameter, ColumnElement, Connection, Row, Select, bindparam, false, func, or_, select

from schemas.accounts import FieldCorrection
from schemas.document import FileStatus
from schemas.search import (SAVED_SEARCHES, DocumentSummary, MatchKind, SavedSearch, Scope, SearchRequest,
                            SearchResult, SortOrder)
from storage.catalog.database import Database
from storage.catalog.fulltext import FullTextIndex, Query, snippet, words_of
from storage.catalog.models import (
    DocumentPersonRow,
    DocumentRow,
    DossierDocumentRow,
    DossierRow,
    FieldCorrectionRow,
    PageRow,
    PersonAliasRow,
    PersonRow,
    SavedSearchRow,
    StoredObjectRow,
)
from storage.catalog.review import latest_values
from storage.catalog.rows import correction_of

PEOPLE_LIMIT = 500  # people considered per query: a name shared by more is refined by a filter
BROAD_MATCHES = 2000  # text matches beyond which results come newest first
FEW_PEOPLE = 10  # fewer people found by the whole words: try them as prefixes, then corrected
_NUMBER_CHARS = re.compile(r"[\s.\-]")
_VOCABULARY_SECONDS = 600.0
_VOCABULARY_RETRY_SECONDS = 30.0


class _Interpretation(BaseModel):
    """What the search box holds: a whole number, a number's last digits, or words."""

    number: str | None = None
    suffix: str | None = None
    words: list[str] = []
    text: str = ""


def interpret(q: str) -> _Interpretation:
    """Digits (spaces, dots, dashes ignored) are a number: 9 or 12 digits whole (ID or old CMND),
    3 to 11 its last digits; anything else is a name and words of the text."""
    q = q.strip()
    digits = _NUMBER_CHARS.sub("", q)
    if digits.isascii() and digits.isdigit():
        return _Interpretation(
            number=digits if len(digits) in (9, 12) else None,
            suffix=digits if 3 <= len(digits) <= 11 else None,
            text=digits)
    return _Interpretation(words=words_of(q), text=q)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local date on the office's clock."""
    return datetime.combine(day, day_time.min, tzinfo=zone)


def _scope_kind(scope: Scope) -> str:
    return "all" if scope.province_wide else "nobody" if scope.office_code is None else "office"


def _listed(kind: str, office: str | BindParameter[str] | None) -> ColumnElement[bool]:
    """The listing condition of a scope kind, for an office given as a value or a bind parameter."""
    if kind == "all":
        return DocumentRow.id.is_not(None)
    if kind == "nobody":
        return false()
    return DocumentRow.office_code == office


def listed_for(scope: Scope) -> ColumnElement[bool]:
    """Documents the scope finds by searching: its office's own (all of them, province-wide).

    A simple equality, so the database can walk the (office, date) index; papers of another office
    reused into the office's dossiers are reached from those dossiers (`visible_to`), not listed.
    """
    return _listed(_scope_kind(scope), scope.office_code)


def visible_to(scope: Scope) -> ColumnElement[bool]:
    """Documents the scope may open: what it finds, and what was reused into its dossiers."""
    if scope.province_wide or scope.office_code is None:
        return listed_for(scope)
    # Correlated: one index probe for the document asked about.
    reused_here = (select(DossierDocumentRow.document_id).join(DossierRow)
                   .where(DossierDocumentRow.document_id == DocumentRow.id,
                          DossierRow.office_code == scope.office_code).exists())
    return or_(listed_for(scope), reused_here)


# The filters a search may combine: (name, its condition with the bind parameter of that name).
_EQUAL_FILTERS = {"doc_type": DocumentRow.doc_type, "status": DocumentRow.status,
                  "procedure_code": DocumentRow.procedure_code, "office_code": DocumentRow.office_code}


def _filters(request: SearchRequest, scope: Scope, zone: ZoneInfo) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The request's filters as a shape (the scope kind, then which filters are set) and their bind
    values: statements are built once per shape (building one costs more than running it)."""
    shape, values = [_scope_kind(scope)], {"scope_office": scope.office_code}
    for name in _EQUAL_FILTERS:
        if value := getattr(request, name):
            shape.append(name)
            values[name] = str(value)
    if request.dossier_code:
        shape.append("dossier_code")
        values["dossier_code"] = request.dossier_code.strip().upper()
    if request.created_from:
        shape.append("created_from")
        values["created_from"] = day_start(request.created_from, zone)
    if request.created_to:
        shape.append("created_to")
        values["created_to"] = day_start(date.fromordinal(request.created_to.toordinal() + 1), zone)
    return tuple(shape), values


@lru_cache(maxsize=128)
def _conditions(shape: tuple[str, ...]) -> tuple[ColumnElement[bool], ...]:
    kind, *names = shape
    where = [_listed(kind, bindparam("scope_office"))]
    for name in names:
        if name in _EQUAL_FILTERS:
            where.append(_EQUAL_FILTERS[name] == bindparam(name))
        elif name == "dossier_code":
            code = bindparam("dossier_code")
            where.append(or_(DocumentRow.dossier_code == code, DocumentRow.id.in_(
                select(DossierDocumentRow.document_id).where(DossierDocumentRow.dossier_code == code))))
        elif name == "created_from":
            where.append(DocumentRow.created_at >= bindparam("created_from"))
        else:
            where.append(DocumentRow.created_at < bindparam("created_to"))
    return tuple(where)


@lru_cache(maxsize=128)
def _documents_of_people(shape: tuple[str, ...]) -> Select[tuple[str, str, datetime]]:
    """(number, document id, created) of the filtered documents of the people in `numbers`."""
    return (select(DocumentPersonRow.id_number, DocumentRow.id, DocumentRow.created_at)
            .join(DocumentRow, DocumentRow.id == DocumentPersonRow.document_id)
            .where(DocumentPersonRow.id_number.in_(bindparam("numbers", expanding=True)),
                   *_conditions(shape)))


def _saved(row: SavedSearchRow) -> SavedSearch:
    return SavedSearch(id=row.id, name=row.name, criteria=SearchRequest.model_validate(row.criteria),
                       created_at=row.created_at)


def _newest_first(conn: Connection, ranked: list[tuple[str, MatchKind, float]]) -> list[tuple[str, MatchKind, float]]:
    """The same results ordered by when each paper was digitized, newest first."""
    ids = [document_id for document_id, _, _ in ranked]
    created = dict(conn.execute(select(DocumentRow.id, DocumentRow.created_at).where(
        DocumentRow.id.in_(bindparam("ids", expanding=True))), {"ids": ids}).all()) if ids else {}
    gone = datetime.min.replace(tzinfo=UTC)  # deleted meanwhile: last
    return sorted(ranked, key=lambda hit: (created.get(hit[0], gone), hit[0]), reverse=True)


@lru_cache(maxsize=128)
def _newest(shape: tuple[str, ...]) -> Select[tuple[str]]:
    """The filtered documents, newest first, up to `wanted`."""
    return (select(DocumentRow.id).where(*_conditions(shape))
            .order_by(DocumentRow.created_at.desc(), DocumentRow.id.desc()).limit(bindparam("wanted")))


@lru_cache(maxsize=256)
def _text_matching(index: FullTextIndex, broad: bool, shape: tuple[str, ...]) -> Select[tuple[str, float]]:
    """(document id, score) of the filtered documents matching the index's query, best first;
    newest first when `broad`."""
    matches = (index.newest_matching() if broad else index.matching()).subquery()
    if broad and index.newest_by_document_date:
        order = [DocumentRow.created_at.desc(), DocumentRow.id.desc()]
    else:  # recency scores are unique; a tie-breaker would stop the index from handing out in order
        order = [matches.c.score.desc(), *([] if broad else [matches.c.document_id])]
    return (select(matches.c.document_id, matches.c.score)
            .join(DocumentRow, DocumentRow.id == matches.c.document_id).where(*_conditions(shape))
            .order_by(*order).limit(bindparam("wanted")))


_PERSON = select(PersonRow.id_number).where(PersonRow.id_number == bindparam("number"))
_ALIAS = select(PersonAliasRow.id_number).where(PersonAliasRow.alias == bindparam("number"))
_NAMES_FROM = select(PersonRow.id_number, PersonRow.folded_name).where(
    PersonRow.folded_name >= bindparam("first"), PersonRow.folded_name <= bindparam("last")).limit(PEOPLE_LIMIT)
_SUMMARY_ROWS = (
    select(DocumentRow.id, DocumentRow.original_name, DocumentRow.doc_type, DocumentRow.status,
           DocumentRow.problems, DocumentRow.office_code, DocumentRow.dossier_code,
           DocumentRow.procedure_code, DocumentRow.direction, DocumentRow.component,
           DocumentRow.heading, DocumentRow.created_at, DocumentRow.page_count, DocumentRow.identity,
           DossierRow.receipt_date, select(StoredObjectRow.key).where(
               StoredObjectRow.document_id == DocumentRow.id, StoredObjectRow.role == "thumbnail")
           .exists().label("thumbnail"))
    .outerjoin(DossierRow, DossierRow.code == DocumentRow.dossier_code)
    .where(DocumentRow.id.in_(bindparam("ids", expanding=True))))
_CORRECTIONS = (select(*FieldCorrectionRow.__table__.columns)
                .where(FieldCorrectionRow.document_id.in_(bindparam("ids", expanding=True)))
                .order_by(FieldCorrectionRow.id))
_FIRST_PEOPLE = (select(DocumentPersonRow.document_id, PersonRow.id_number, PersonRow.full_name,
                        PersonRow.date_of_birth).join(PersonRow)
                 .where(DocumentPersonRow.document_id.in_(bindparam("ids", expanding=True)))
                 .order_by(DocumentPersonRow.id_number))
_PAGE_TEXTS = (select(PageRow.document_id, PageRow.text)
               .where(PageRow.document_id.in_(bindparam("ids", expanding=True)))
               .order_by(PageRow.document_id, PageRow.number))


class NameVocabulary:
    """The folded words of people's names, reloaded at most every ten minutes: reading it walks the
    whole people index, and a word new since then is still found by the exact steps."""

    def __init__(self) -> None:
        self._words: list[str] = []
        self._known: frozenset[str] = frozenset()
        self._loaded = -_VOCABULARY_SECONDS
        self._lock = threading.Lock()

    def words(self, index: FullTextIndex, conn: Connection,
              asked: Sequence[str] = ()) -> tuple[list[str], frozenset[str]]:
        """The words, as a list (for rapidfuzz) and as a set (for membership); reloaded sooner (after
        half a minute) when a word asked about is missing, as it is for people added meanwhile."""
        with self._lock:
            age = time.monotonic() - self._loaded
            missing = not self._known.issuperset(asked)
            if age >= _VOCABULARY_SECONDS or (missing and age >= _VOCABULARY_RETRY_SECONDS):
                self._words = index.name_words(conn)
                self._known = frozenset(self._words)
                self._loaded = time.monotonic()
            return self._words, self._known

    @staticmethod
    def alternatives(word: str, vocabulary: list[str]) -> list[str]:
        """The word itself, then vocabulary words within 1 edit (2 for words of 6+ letters); a swap of
        two neighbouring letters is one edit (optimal string alignment)."""
        reach = 1 if len(word) < 6 else 2
        close = process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=reach,
                                limit=8)
        return [word] + [found for found, _, _ in sorted(close, key=lambda c: c[1]) if found != word]


class SearchRepository:
    """Search, result lines, visibility and the review queue, within an account's scope."""

    def __init__(self, database: Database, zone: ZoneInfo) -> None:
        self._db = database
        self._zone = zone  # officers' dates are dates on the office's clock
        self._name_vocabulary = NameVocabulary()

    def find(self, request: SearchRequest, scope: Scope) -> SearchResult:
        """One page of results, best first; `has_next` says whether another page follows."""
        wanted = request.page * request.page_size + 1  # one more than this page's end
        meaning = interpret(request.q)
        shape, values = _filters(request, scope, self._zone)
        with self._db.engine.connect() as conn:
            people = self._people(conn, meaning, request.date_of_birth)
            ranked = self._documents_of(conn, people, shape, values)
            text_query = replace(Query.parse(meaning.text), whole_words=True)
            # A number or a name that surely names people answers with their papers (a paper printing
            # a known number is linked to its person already); words that name nobody (or only by a
            # typo correction) are looked for in the text.
            number_known = any(kind in (MatchKind.ID, MatchKind.ALIAS) for _, kind, _ in people)
            sure = number_known or any(
                kind not in (MatchKind.NAME_FUZZY, MatchKind.FILTER) for _, kind, _ in ranked)
            newest = request.sort is SortOrder.NEWEST
            if not sure and text_query and request.date_of_birth is None:
                seen = {document_id for document_id, _, _ in ranked}
                texts = self._text_matches(conn, text_query, shape, values, wanted + len(seen), newest)
                if not texts:  # perhaps a word still being typed
                    text_query = replace(text_query, whole_words=False)
                    texts = self._text_matches(conn, text_query, shape, values, wanted + len(seen), newest)
                ranked += [(document_id, MatchKind.TEXT, score) for document_id, score in texts
                           if document_id not in seen]
            elif not request.q.strip() and request.date_of_birth is None:
                ranked = [(document_id, MatchKind.FILTER, 0.0) for document_id
                          in conn.scalars(_newest(shape), {**values, "wanted": wanted})]
            if newest:
                ranked = _newest_first(conn, ranked)
            start = (request.page - 1) * request.page_size
            shown = ranked[start:start + request.page_size]
            hits = self._summaries(conn, shown, text_query)
        return SearchResult(hits=hits, page=request.page, page_size=request.page_size,
                            has_next=len(ranked) > start + request.page_size)

    def get_summaries(self, document_ids: Sequence[str]) -> list[DocumentSummary]:
        """Result lines for known documents, in the given order (unknown ids are left out)."""
        with self._db.engine.connect() as conn:
            return self._summaries(conn, [(i, MatchKind.FILTER, 0.0) for i in document_ids], Query(()))

    def can_see(self, document_id: str, scope: Scope) -> bool:
        with self._db.engine.connect() as conn:
            return conn.scalar(select(DocumentRow.id).where(
                DocumentRow.id == document_id, visible_to(scope))) is not None

    def save_search(self, username: str, name: str, request: SearchRequest) -> SavedSearch | None:
        """Keep `request` under `name` for the officer (the same name again replaces it); None when
        the officer keeps SAVED_SEARCHES already."""
        criteria = request.model_dump(mode="json", exclude_defaults=True, exclude={"page", "page_size"})
        with self._db.writing() as session:
            row = session.scalar(select(SavedSearchRow).where(
                SavedSearchRow.username == username, SavedSearchRow.name == name))
            if row is None:
                kept = session.scalar(select(func.count()).select_from(SavedSearchRow).where(
                    SavedSearchRow.username == username))
                if kept >= SAVED_SEARCHES:
                    return None
                row = SavedSearchRow(username=username, name=name)
                session.add(row)
            row.criteria, row.created_at = criteria, datetime.now(UTC)
            session.flush()
            return _saved(row)

    def saved_searches(self, username: str) -> list[SavedSearch]:
        """The officer's saved searches, by name."""
        with self._db.reading() as session:
            return [_saved(row) for row in session.scalars(select(SavedSearchRow).where(
                SavedSearchRow.username == username).order_by(SavedSearchRow.name))]

    def forget_search(self, username: str, saved_id: int) -> bool:
        """Delete one of the officer's saved searches; False when it is not theirs or gone."""
        with self._db.writing() as session:
            row = session.get(SavedSearchRow, saved_id)
            if row is None or row.username != username:
                return False
            session.delete(row)
            return True

    def count_review_queue(self, scope: Scope, limit: int) -> int:
        """How many documents wait for a reviewer, counted up to `limit` (a number for a page, cheaply)."""
        waiting = select(DocumentRow.id).where(DocumentRow.status == FileStatus.NEEDS_REVIEW.value,
                                               listed_for(scope)).limit(limit).subquery()
        with self._db.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(waiting)) or 0)

    def find_review_queue(self, scope: Scope, limit: int = 50, offset: int = 0) -> list[DocumentSummary]:
        """Documents waiting for a reviewer, oldest first (first in, first out)."""
        with self._db.engine.connect() as conn:
            ids = conn.scalars(select(DocumentRow.id).where(
                DocumentRow.status == FileStatus.NEEDS_REVIEW.value, listed_for(scope))
                .order_by(DocumentRow.created_at, DocumentRow.id).limit(limit).offset(offset)).all()
            return self._summaries(conn, [(i, MatchKind.FILTER, 0.0) for i in ids], Query(()))

    # --- people ---------------------------------------------------------------------------

    def _people(self, conn: Connection, meaning: _Interpretation,
                born: date | None) -> list[tuple[str, MatchKind, float]]:
        """(number, why, score) of the people the search names, best first."""
        found: list[tuple[str, MatchKind, float]] = []
        if meaning.number:
            if conn.scalar(_PERSON, {"number": meaning.number}):
                found.append((meaning.number, MatchKind.ID, 100.0))
            elif alias := conn.scalar(_ALIAS, {"number": meaning.number}):
                found.append((alias, MatchKind.ALIAS, 100.0))
        if meaning.suffix:
            found += [(number, MatchKind.ID_SUFFIX, 90.0) for number
                      in self._db.fulltext.people_by_number_suffix(conn, meaning.suffix, PEOPLE_LIMIT)]
        if meaning.words:
            found += self._people_by_name(conn, meaning.words)
        if born is not None:
            if meaning.number or meaning.suffix or meaning.words:
                dates = dict(conn.execute(select(PersonRow.id_number, PersonRow.date_of_birth).where(
                    PersonRow.id_number.in_([number for number, _, _ in found]))).all())
                found = [person for person in found if dates.get(person[0]) == born.isoformat()]
            else:
                found = [(number, MatchKind.FILTER, 0.0) for number in conn.scalars(
                    select(PersonRow.id_number).where(PersonRow.date_of_birth == born.isoformat())
                    .order_by(PersonRow.id_number).limit(PEOPLE_LIMIT))]
        unique: dict[str, tuple[str, MatchKind, float]] = {}
        for person in found:
            unique.setdefault(person[0], person)
        return list(unique.values())

    def _people_by_name(self, conn: Connection, words: list[str]) -> list[tuple[str, MatchKind, float]]:
        """The whole name as typed, then names starting with it (both one B-tree seek), then the
        words in any order, then the last word as a prefix, then typo corrections: each step only
        when the earlier ones found few people, and the word searches only when the words are
        names at all, or all but a few (so words of a text cost no search of the people). Each
        step is ordered by similarity to the input."""
        typed, each = " ".join(words), [[word] for word in words]
        vocabulary, known = self._name_vocabulary.words(self._db.fulltext, conn, words)
        unknown = sum(word not in known for word in words)
        names_only = unknown == 0
        # A name with a typo or two has most words right; words of a text mostly are no names.
        maybe_misspelt = 0 < unknown <= max(1, len(words) // 3)
        steps: list[tuple[MatchKind, bool, Callable[[], Iterable[tuple[str, str]]]]] = [
            (MatchKind.NAME, True, lambda: conn.execute(_NAMES_FROM, {"first": typed, "last": typed})),
            (MatchKind.NAME, True,
             lambda: conn.execute(_NAMES_FROM, {"first": typed, "last": typed + "\uffff"})),
            (MatchKind.NAME, names_only,
             lambda: self._db.fulltext.people_by_name(conn, each, False, PEOPLE_LIMIT)),
            (MatchKind.NAME, all(word in known for word in words[:-1]),
             lambda: self._db.fulltext.people_by_name(conn, each, True, PEOPLE_LIMIT)),
            (MatchKind.NAME_FUZZY, maybe_misspelt, lambda: self._corrected_names(conn, words, vocabulary)),
        ]
        found: dict[str, tuple[MatchKind, str]] = {}
        for kind, worth_it, step in steps:
            if len(found) >= FEW_PEOPLE:
                break
            for number, name in step() if worth_it else []:
                found.setdefault(number, (kind, name))
        ranked = [(number, kind, fuzz.ratio(typed, name or "")) for number, (kind, name) in found.items()]
        tiers = list(MatchKind)
        return sorted(ranked, key=lambda person: (tiers.index(person[1]), -person[2]))

    def _corrected_names(self, conn: Connection, words: list[str],
                         vocabulary: list[str]) -> list[tuple[str, str]]:
        """People named by the words with each unknown word replaced by close names."""
        corrected = [NameVocabulary.alternatives(word, vocabulary) for word in words]
        if any(len(alternatives) == 1 and alternatives[0] not in vocabulary for alternatives in corrected):
            return []  # a word that is no name and close to none: not a name with a typo
        return self._db.fulltext.people_by_name(conn, corrected, False, PEOPLE_LIMIT)

    # --- documents --------------------------------------------------------------------------

    def _documents_of(self, conn: Connection, people: list[tuple[str, MatchKind, float]],
                      shape: tuple[str, ...], values: dict[str, Any]) -> list[tuple[str, MatchKind, float]]:
        """The visible, filtered documents of `people`, in the people's order, newest first each."""
        if not people:
            return []
        rank = {number: position for position, (number, _, _) in enumerate(people)}
        rows = conn.execute(_documents_of_people(shape), {**values, "numbers": list(rank)}).all()
        rows.sort(key=lambda row: (rank[row[0]], -row[2].timestamp(), row[1]))
        documents: dict[str, tuple[str, MatchKind, float]] = {}
        for number, document_id, _ in rows:
            _, kind, score = people[rank[number]]
            documents.setdefault(document_id, (document_id, kind, score))
        return list(documents.values())

    def _text_matches(self, conn: Connection, query: Query, shape: tuple[str, ...], values: dict[str, Any],
                      limit: int, newest: bool) -> list[tuple[str, float]]:
        """Matches best first; newest first when asked or past BROAD_MATCHES matches (relevance would
        cost a pass over every match, and for such common words the newest papers are what is wanted)."""
        index = self._db.fulltext
        office = values["scope_office"] if shape[0] == "office" else None
        broad = newest or index.count_matches(conn, query, BROAD_MATCHES, office) >= BROAD_MATCHES
        # A broad walk goes through the office's own documents already: no office word to test.
        match = index.match_parameters(query, None if broad else office)
        rows = conn.execute(_text_matching(index, broad, shape), {**values, **match, "wanted": limit}).all()
        return [(document_id, score) for document_id, score in rows]

    def _summaries(self, conn: Connection, shown: list[tuple[str, MatchKind, float]],
                   text_query: Query) -> list[DocumentSummary]:
        ids = [document_id for document_id, _, _ in shown]
        if not ids:
            return []
        # One statement for the documents, their dossier's receipt date and thumbnail, as plain rows.
        rows = {row.id: row for row in conn.execute(_SUMMARY_ROWS, {"ids": ids})}
        corrections = _corrections_by_document(conn, ids)
        people = _first_person(conn, [i for i, row in rows.items() if not row.identity])
        texts = _page_texts(conn, [i for i, kind, _ in shown if kind is MatchKind.TEXT]) \
            if text_query else {}
        summaries = []
        for document_id, kind, score in shown:
            row = rows.get(document_id)
            if row is None:
                continue
            fields = _identity_fields(row.identity, corrections.get(document_id, {}), people.get(document_id))
            summaries.append(DocumentSummary(
                id=row.id, original_name=row.original_name, doc_type=row.doc_type, status=row.status,
                problems=row.problems, office_code=row.office_code, dossier_code=row.dossier_code,
                procedure_code=row.procedure_code, direction=row.direction, component=row.component,
                heading=row.heading, created_at=row.created_at, page_count=row.page_count, **fields,
                reference_date=row.receipt_date or row.created_at.astimezone(self._zone).date(),
                thumbnail=row.thumbnail, match=kind, score=score,
                snippet=snippet([*texts.get(row.id, []), row.original_name, row.dossier_code or ""],
                                text_query) if row.id in texts else "",
            ))
        return summaries


def _corrections_by_document(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """The reviewers' current values per document and field."""
    found: dict[str, list[FieldCorrection]] = {}
    for row in conn.execute(_CORRECTIONS, {"ids": ids}):
        found.setdefault(row.document_id, []).append(correction_of(row))
    return {document_id: {name: c.value for name, c in latest_values(corrections).items()}
            for document_id, corrections in found.items()}


def _first_person(conn: Connection, ids: Sequence[str]) -> dict[str, Row[Any]]:
    """The person each document names first (by number), for papers that are not cards."""
    people: dict[str, Row[Any]] = {}
    for row in conn.execute(_FIRST_PEOPLE, {"ids": ids}) if ids else []:
        people.setdefault(row.document_id, row)
    return people


def _identity_fields(identity: dict[str, Any] | None, corrected: dict[str, str],
                     person: Row[Any] | None) -> dict[str, str | None]:
    """Name, number and dates for the result line: reviewer's value, else the card's, else the
    linked person's. The card's values are read from the stored Identity (a FieldValue per field)
    without validating all of it again: it was validated when stored."""
    fields: dict[str, str | None] = {}
    for name in ("full_name", "id_number", "date_of_birth", "date_of_expiry"):
        read = (identity.get(name) or {}).get("value") if identity else None
        fields[name] = corrected.get(name) or read or (
            getattr(person, name, None) if person is not None and name != "date_of_expiry" else None)
    return fields


def _page_texts(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for document_id, text in conn.execute(_PAGE_TEXTS, {"ids": ids}) if ids else []:
        texts.setdefault(document_id, []).append(text)
    return texts
