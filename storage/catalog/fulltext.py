"""Full-text search: the one module that speaks a database's full-text dialect.

Everything is indexed and queried in the folded form of schemas.vntext.fold (no marks, đ→d,
casefolded), so 'Nguyễn Văn Đức', 'nguyen van duc' and 'NGUYEN VAN DUC' are the same words, and the
old/new tone placements (hoà/hòa) fold to the same key. Users see the original NFC text: the snippet
maps matches in the folded text back onto it.

A dialect is a small `FullTextIndex` subclass (SQLite FTS5, PostgreSQL tsvector) chosen by
`full_text_index(engine.dialect.name)`; its tables are made by the migrations. Query parsing, typo
tolerance (rapidfuzz against the name vocabulary) and snippets are portable.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (Connection, Select, TextClause, bindparam, column, func, literal_column, select,
                        table, text)

from schemas.vntext import fold

# A token is a run of letters or digits: the same split as SQLite's unicode61 tokenizer, so a
# dossier code '000.00.12.H12-240315-0001' becomes the tokens 000 00 12 h12 240315 0001.
_TOKEN_RE = re.compile(r"[^\W_]+")
_WORD_CHAR = r"[^\W_]"
_LAST_SPACE_RE = re.compile(r"\s\S*\Z")
MARK_OPEN, MARK_CLOSE, ELLIPSIS = "«", "»", "…"
_OWN_MARKS = str.maketrans({MARK_OPEN: "‹", MARK_CLOSE: "›"})


def words_of(text: str) -> list[str]:
    """The folded words of a text as the index splits them: runs of letters and digits, so quotes,
    operators and control characters typed into a search box never reach the index's syntax."""
    return _TOKEN_RE.findall(fold(text))


@dataclass(frozen=True)
class Query:
    """A user's search text, folded and split into phrases that must all occur (AND).

    Each whitespace-separated word is a phrase of its tokens; the last token of the last phrase
    matches as a prefix, so results appear while the officer is still typing (unless
    `whole_words`: a prefix of a common syllable expands to many words, which is costly in a large
    index). Operators and quotes in the input are just punctuation here, so user input can never
    break the index's syntax.
    """

    phrases: tuple[tuple[str, ...], ...]
    whole_words: bool = False

    @classmethod
    def parse(cls, text: str) -> Query:
        phrases = (tuple(_TOKEN_RE.findall(word)) for word in fold(text).split())
        return cls(tuple(phrase for phrase in phrases if phrase))

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @property
    def tokens(self) -> frozenset[str]:
        """The distinct tokens of all phrases."""
        return frozenset(token for phrase in self.phrases for token in phrase)

    @property
    def prefix(self) -> str:
        """The token matched as a prefix."""
        return self.phrases[-1][-1]

    def highlighter(self) -> re.Pattern[str]:
        """Finds the query's words in folded text: whole tokens, and words starting with the prefix."""
        exact = self.tokens if self.whole_words else self.tokens - {self.prefix}
        alternatives = [re.escape(token) for token in sorted(exact, key=len, reverse=True)]
        if not self.whole_words:
            alternatives.append(re.escape(self.prefix) + _WORD_CHAR + "*")
        return re.compile(f"(?<!{_WORD_CHAR})(?:{'|'.join(alternatives)})(?!{_WORD_CHAR})")


class FullTextIndex(ABC):
    """The full-text index of one database dialect, keyed by document id.

    The catalog calls `index` inside the transaction that writes the document, so the index and
    the tables never disagree, and `search` inside a read transaction.
    """

    table = "document_search"
    _count: TextClause  # SELECT count(*) of the matches of :match, up to :up_to

    @abstractmethod
    def _store(
        self, conn: Connection, document_id: str, name: str, code: str, body: str, office: str, replace: bool
    ) -> None:
        """Store the folded fields of a document (`office`: its `office_token`); with `replace`, first
        drop what an earlier run stored."""

    @abstractmethod
    def matching(self) -> Select[tuple[str, float]]:
        """A SELECT of (document_id, score) for the documents matching the query that
        `match_parameters` binds, higher score better.

        A select rather than rows, so the caller can join it with the document table and filter
        and order in the database instead of fetching every match; and one select for every
        query, so the caller can build its statement once (building costs more than running it).
        """

    @abstractmethod
    def newest_matching(self) -> Select[tuple[str, float]]:
        """Like `matching`, but the score is the recency of indexing (higher is newer), so the index
        can hand matches out newest first and stop at the page: for queries so broad that ranking
        by relevance would cost a pass over every match."""

    # Broad queries in recency order: False, the index's own (FTS5 hands matches out by rowid);
    # True, the documents' date order (the caller orders by the document's date).
    newest_by_document_date = False

    @abstractmethod
    def match_parameters(self, query: Query, office: str | None = None) -> dict[str, str]:
        """The bind parameters that make `matching` and `newest_matching` look for `query`, among the
        documents of `office` where the index can tell (the caller filters by office anyway)."""

    def count_matches(self, conn: Connection, query: Query, up_to: int, office: str | None = None) -> int:
        """How many documents match (of `office`, where the index can tell), counting no further
        than `up_to` (cheap for broad queries)."""
        return conn.execute(self._count, {**self.match_parameters(query, office), "up_to": up_to}).scalar_one()

    # People: name words and number suffixes, kept in step with the person table by the database.
    person_table = "person_search"

    @abstractmethod
    def name_words(self, conn: Connection) -> list[str]:
        """Every distinct folded word of people's names: the vocabulary typo tolerance corrects to."""

    # The dialect's people queries (`:match`, `:limit`; `:start`, `:stop`, `:limit`) and its match
    # syntax: a whole word, a word as a prefix, and how alternatives and positions are joined.
    _people_matching: TextClause
    _people_by_suffix: TextClause
    _word = _prefix = _any = _all = ""

    def people_by_name(self, conn: Connection, words: Sequence[Sequence[str]], prefix_last: bool,
                       limit: int) -> list[tuple[str, str]]:
        """(number, folded name) of people whose folded name has, for every position of `words`, one
        of its alternatives as a whole word, in no particular order; with `prefix_last`, the last
        position's words also match as word prefixes (the officer is still typing)."""
        if not words:
            return []
        # Words come from words_of (runs of letters and digits only): safe in either syntax.
        groups = [[self._word.format(word) for word in alternatives] for alternatives in words]
        if prefix_last:
            groups[-1] = [self._prefix.format(word) for word in words[-1]]
        match = self._all.join(f"({self._any.join(group)})" for group in groups)
        rows = conn.execute(self._people_matching, {"match": match, "limit": limit})
        return [(number, name) for number, name in rows]

    def people_by_number_suffix(self, conn: Connection, digits: str, limit: int) -> list[str]:
        """Numbers of people whose 12-digit number ends with `digits`, in number order."""
        start = digits[::-1]  # ':' sorts right after '9'
        rows = conn.execute(self._people_by_suffix, {"start": start, "stop": start + ":", "limit": limit})
        return sorted(rows.scalars())

    def _ranked(self, conn: Connection, query: Query, limit: int, offset: int) -> list[tuple[str, float]]:
        """(document id, score) of the matching documents, best first."""
        found = self.matching().subquery()
        rows = conn.execute(select(found.c.document_id, found.c.score)
                            .order_by(found.c.score.desc(), found.c.document_id).limit(limit).offset(offset),
                            self.match_parameters(query))
        return [(document_id, score) for document_id, score in rows]

    # Indexes the dialect puts on the models' own tables (expression indexes the models cannot say).
    own_indexes: frozenset[str] = frozenset()

    def owns(self, name: str) -> bool:
        """True for tables and indexes the index creates itself, which the ORM models must not manage."""
        return name in self.own_indexes or any(
            name == own or name.startswith(own + "_") for own in (self.table, self.person_table))

    def index(
        self, conn: Connection, document_id: str, original_name: str, dossier_code: str | None,
        office_code: str | None, page_texts: Iterable[str], replace: bool,
    ) -> None:
        """Index a document's name, dossier code and page texts.

        `replace` says the document was indexed before (a rerun). Finding its old entry may cost a
        scan of the index, so the first, usual indexing skips that step.
        """
        body = fold("\n".join(page_texts))
        self._store(conn, document_id, fold(original_name), fold(dossier_code or ""), body,
                    office_token(office_code), replace)

    def search(self, conn: Connection, query: Query, limit: int, offset: int) -> list[tuple[str, float]]:
        """(document id, score) of documents containing every phrase of `query`, best first."""
        return self._ranked(conn, query, limit, offset) if query else []


class SqliteFts5(FullTextIndex):
    """SQLite FTS5 over the folded text, ranked by bm25 (name and dossier code weigh more)."""

    # bm25 weights in column order: document_id (not indexed), name, code, body.
    _WEIGHTS = "0.0, 4.0, 4.0, 1.0"
    _index = table(FullTextIndex.table, column("document_id"), column("rowid"))
    _matches = text(f"{FullTextIndex.table} MATCH :match")
    # bm25 is lower for better matches; the catalog promises higher-is-better scores.
    _matching = select(_index.c.document_id, literal_column(
        f"-bm25({FullTextIndex.table}, {_WEIGHTS})").label("score")).select_from(_index).where(_matches)
    _newest_matching = select(_index.c.document_id, _index.c.rowid.label("score")).select_from(
        _index).where(_matches)
    _count = text(f"SELECT count(*) FROM (SELECT rowid FROM {FullTextIndex.table} "
                  f"WHERE {FullTextIndex.table} MATCH :match LIMIT :up_to)")

    def _store(
        self, conn: Connection, document_id: str, name: str, code: str, body: str, office: str, replace: bool
    ) -> None:
        # The office is not indexed: FTS5 answers a search in a few ms, then the join filters by office.
        if replace:  # document_id is not indexed by FTS5, so this scans the table: reruns only
            conn.execute(text(f"DELETE FROM {self.table} WHERE document_id = :id"), {"id": document_id})
        conn.execute(
            text(f"INSERT INTO {self.table} (document_id, name, code, body) "
                 "VALUES (:id, :name, :code, :body)"),
            {"id": document_id, "name": name, "code": code, "body": body},
        )

    def matching(self) -> Select[tuple[str, float]]:
        return self._matching

    def newest_matching(self) -> Select[tuple[str, float]]:
        return self._newest_matching

    def match_parameters(self, query: Query, office: str | None = None) -> dict[str, str]:
        return {"match": self._match_expression(query)}

    @staticmethod
    def _match_expression(query: Query) -> str:
        # Tokens hold only letters and digits, so wrapping them in double quotes is always safe.
        phrases = " ".join(f'"{" ".join(phrase)}"' for phrase in query.phrases)
        return phrases if query.whole_words else phrases + "*"

    # People (tables and triggers made by migration 0005_web): a key table gives each person a
    # stable rowid and the number reversed ("ends with 4321" is an index range on "1234...").
    _keys = "person_search_key"
    _vocabulary = "person_search_vocab"
    _word, _prefix, _any, _all = '"{}"', '"{}"*', " OR ", " AND "

    def name_words(self, conn: Connection) -> list[str]:
        return list(conn.execute(text(f"SELECT term FROM {self._vocabulary}")).scalars())

    _people_matching = text(
        f"SELECT k.id_number, k.folded_name FROM {FullTextIndex.person_table} JOIN {_keys} AS k "
        f"ON k.id = {FullTextIndex.person_table}.rowid WHERE {FullTextIndex.person_table} MATCH :match "
        "LIMIT :limit")  # no bm25 pass over every match: the caller ranks by similarity
    _people_by_suffix = text(
        f"SELECT id_number FROM {_keys} WHERE reversed_number >= :start "
        "AND reversed_number < :stop ORDER BY reversed_number LIMIT :limit")


class PostgresTsvector(FullTextIndex):
    """PostgreSQL: a `tsvector` of the folded words (the 'simple' configuration: no stemming, no stop
    words, Vietnamese syllables are words) with a GIN index, ranked by ts_rank (name and dossier code
    weigh more); people through expression indexes on the person table itself.

    The words are split here, as SQLite's tokenizer splits them (`words_of`), and stored joined by
    spaces: PostgreSQL's own parser would keep '000.00.12' or 'h12-240315' whole. Queries are built
    from the same tokens (letters and digits only), so typed text never reaches tsquery syntax.
    """

    # A tsvector holds at most 1 MB and positions up to 16,383: a body is indexed up to this many
    # characters (about 300 pages of text); the rest stays in the stored text and the PDF.
    MAX_BODY_CHARS = 1_000_000
    _index = table(FullTextIndex.table, column("document_id"), column("seq"), column("terms"))
    _query = func.to_tsquery(literal_column("'simple'"), bindparam("match"))
    _matches = _index.c.terms.op("@@")(_query)
    _matching = select(_index.c.document_id, func.ts_rank(_index.c.terms, _query).label("score")
                       ).select_from(_index).where(_matches)
    # Broad queries (thousands of the office's documents match) walk the documents' (office, date)
    # index newest first, test each and stop at the page (1-3 ms at 1M records). The test is the
    # function behind @@: the planner then neither uses GIN nor trusts its estimate for the words,
    # which multiplies their frequencies (400 rows for a phrase that 85,714 documents hold), so it
    # sorted every match (1-2 s) instead of walking.
    _newest_matching = select(_index.c.document_id, _index.c.seq.label("score")).select_from(
        _index).where(func.ts_match_vq(_index.c.terms, _query))
    _count = text(f"SELECT count(*) FROM (SELECT 1 FROM {FullTextIndex.table} "
                  "WHERE terms @@ to_tsquery('simple', :match) LIMIT :up_to) AS found")
    newest_by_document_date = True

    def _store(
        self, conn: Connection, document_id: str, name: str, code: str, body: str, office: str, replace: bool
    ) -> None:
        values = {"id": document_id, "name": " ".join(words_of(name)),
                  "code": " ".join(words_of(code)),
                  "body": " ".join(words_of(body[:self.MAX_BODY_CHARS])), "office": office}
        conn.execute(text(
            f"INSERT INTO {self.table} (document_id, name, code, body, office) "
            "VALUES (:id, :name, :code, :body, :office) "
            "ON CONFLICT (document_id) DO UPDATE SET name = excluded.name, code = excluded.code, "
            f"body = excluded.body, office = excluded.office, seq = nextval('{self.table}_seq_seq')"), values)

    def matching(self) -> Select[tuple[str, float]]:
        return self._matching

    def newest_matching(self) -> Select[tuple[str, float]]:
        return self._newest_matching

    def match_parameters(self, query: Query, office: str | None = None) -> dict[str, str]:
        # Tokens hold only letters and digits: safe as tsquery lexemes without quoting.
        phrases = [" <-> ".join(phrase) for phrase in query.phrases]
        if not query.whole_words:
            phrases[-1] += ":*"
        # The office's token makes GIN intersect the words with the office's documents: a phrase
        # common in the province but rare in one office is then narrow, not a walk of the office.
        office_part = [office_token(office)] if office else []
        return {"match": " & ".join([*(f"({phrase})" for phrase in phrases), *office_part])}

    # People (indexes, vocabulary table and its trigger made by migration 0005_web).
    own_indexes = frozenset({"ix_person_name_terms", "ix_person_reversed_number"})
    _vocabulary = "person_search_vocab"
    _word, _prefix, _any, _all = "{}", "{}:*", " | ", " & "
    _people_matching = text(
        "SELECT id_number, folded_name FROM person WHERE to_tsvector('simple', "
        "coalesce(folded_name, '')) @@ to_tsquery('simple', :match) LIMIT :limit")
    _people_by_suffix = text(
        "SELECT id_number FROM person WHERE reverse(id_number) COLLATE \"C\" >= :start "
        "AND reverse(id_number) COLLATE \"C\" < :stop ORDER BY reverse(id_number) COLLATE \"C\" "
        "LIMIT :limit")

    def name_words(self, conn: Connection) -> list[str]:
        return list(conn.execute(text(f"SELECT word FROM {self._vocabulary}")).scalars())


_INDEXES: dict[str, type[FullTextIndex]] = {"sqlite": SqliteFts5, "postgresql": PostgresTsvector}


def office_token(office_code: str | None) -> str:
    """The word a document's office adds to its index entry: no text holds it ("sohoaoffice" and the
    code's letters and digits), and a search within one office asks for it."""
    return "sohoaoffice" + "".join(words_of(office_code or ""))


def full_text_index(dialect_name: str) -> FullTextIndex:
    """The full-text index for a database dialect (`engine.dialect.name`)."""
    try:
        return _INDEXES[dialect_name]()
    except KeyError:
        raise ValueError(f"the catalog has no full-text search for {dialect_name!r} databases") from None


def snippet(texts: Sequence[str], query: Query, width: int = 160) -> str:
    """A one-line excerpt where most of the query's words occur together, matches «marked».

    The excerpt keeps the original NFC text (diacritics, case, the document's own tone placement).
    `texts` are the page texts, then name and dossier code; without any match the excerpt is the
    beginning of the first text.
    """
    pattern = query.highlighter()
    best: tuple[int, str, list[tuple[int, int]], int] | None = None  # words together, text, spans, focus
    for original in texts:
        folded, origins = _fold_with_origins(original)
        matches = list(pattern.finditer(folded))
        if not matches:
            continue
        together, focus = _densest(matches, query, reach=width * 3 // 4)
        if best is None or together > best[0]:
            spans = [_original_span(original, origins, m.start(), m.end()) for m in matches]
            best = (together, original, spans, focus)
        if together == len(query.tokens):
            break
    if best is None:
        return _excerpt(texts[0], [], (0, 0), width) if texts else ""
    _, original, spans, focus = best
    return _excerpt(original, _merge_adjacent(original, spans), spans[focus], width)


def _densest(matches: list[re.Match[str]], query: Query, reach: int) -> tuple[int, int]:
    """The most different query words found within `reach` folded characters from one match, and
    the index of the first match where that happens."""
    words = [m.group() if m.group() in query.tokens else query.prefix for m in matches]
    best = (0, 0)
    for first, match in enumerate(matches):
        together: set[str] = set()
        for later in range(first, len(matches)):
            if matches[later].start() >= match.start() + reach:
                break
            together.add(words[later])
        if len(together) > best[0]:
            best = (len(together), first)
    return best


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    # fold() strips whitespace, but offsets need every character: keep a space in its place.
    return " " if char.isspace() else fold(char)


class _FoldTable(dict[int, str]):
    """str.translate table folding each character as _fold_char does, filled as characters appear;
    `uneven` collects the characters that do not fold to exactly one character."""

    def __init__(self) -> None:
        super().__init__()
        self.uneven: set[str] = set()

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        if len(folded) != 1:
            self.uneven.add(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def _fold_with_origins(original: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original character.

    fold() maps almost every NFC character to one character; the few that vanish (stray combining
    marks) or expand (ligatures) are why the mapping is kept explicitly. Text without them (nearly
    all) is folded by str.translate in one pass, with the identity as its mapping.
    """
    folded = original.translate(_FOLD_TABLE)
    if _FOLD_TABLE.uneven.isdisjoint(original):
        return folded, list(range(len(original)))
    pieces = [_fold_char(char) for char in original]
    origins = [index for index, piece in enumerate(pieces) for _ in piece]
    return "".join(pieces), origins


def _original_span(original: str, origins: list[int], start: int, end: int) -> tuple[int, int]:
    first, last = origins[start], origins[end - 1] + 1
    while last < len(original) and unicodedata.combining(original[last]):
        last += 1  # a mark that NFC could not compose belongs to the matched letter
    return first, last


def _merge_adjacent(original: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join matches separated only by whitespace: a name reads «Nguyễn Văn Đức», not word by word."""
    merged = [spans[0]]
    for start, end in spans[1:]:
        previous_start, previous_end = merged[-1]
        if original[previous_end:start].isspace():
            merged[-1] = (previous_start, end)
        else:
            merged.append((start, end))
    return merged


def _excerpt(original: str, spans: list[tuple[int, int]], focus: tuple[int, int], width: int) -> str:
    """Cut about `width` characters around `focus` at word boundaries and mark the spans."""
    first_start, first_end = focus
    start = max(0, first_start - width // 4)
    while 0 < start < first_start and not original[start - 1].isspace():
        start += 1
    end = max(first_end, _cut_before_word(original, start, start + width))
    parts: list[str] = []
    cursor = start
    # The document's own « » become ‹ ›, so only the marks set here read as matches (never as a
    # highlight a document could smuggle into a results page).
    text = original.translate(_OWN_MARKS)
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, cursor), min(span_end, end)
        if span_start < span_end:
            parts += [text[cursor:span_start], MARK_OPEN, text[span_start:span_end], MARK_CLOSE]
            cursor = span_end
    parts.append(text[cursor:end])
    body = " ".join("".join(parts).split())
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(original) else "")


def _cut_before_word(original: str, start: int, limit: int) -> int:
    """The last whitespace after `start` and at or before `limit`, so no word is cut (else `limit`)."""
    if limit >= len(original):
        return len(original)
    last_space = _LAST_SPACE_RE.search(original, start, limit + 1)
    return last_space.start() if last_space and last_space.start() > start else limit
