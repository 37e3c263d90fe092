-- One search over reports, proposals, organizations, programmes and
-- meetings (internal/search). Components own their tables; the search
-- package copies what it needs here from the sources they register: the
-- stemmed keys (kazakh.DocumentKey) that the full-text index reads, the
-- plain text for snippets, and who may see each document.

CREATE TABLE search_docs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    ref_id       INTEGER NOT NULL,
    org_id       INTEGER,
    vis          TEXT NOT NULL CHECK (vis IN ('public', 'members', 'editors', 'admins')),
    owner_id     INTEGER,
    visible_from TIMESTAMP NOT NULL,
    epoch        INTEGER NOT NULL, -- the document's date, Unix seconds (a mild boost for recent ones)
    title_kk     TEXT NOT NULL DEFAULT '',
    title_ru     TEXT NOT NULL DEFAULT '',
    title_en     TEXT NOT NULL DEFAULT '',
    body_kk      TEXT NOT NULL DEFAULT '',
    body_ru      TEXT NOT NULL DEFAULT '',
    body_en      TEXT NOT NULL DEFAULT '',
    title_key    TEXT NOT NULL,
    body_key     TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_org ON search_docs (org_id);

-- BM25 over the keys; the title column weighs more (search.go).
CREATE VIRTUAL TABLE search_fts USING fts5(title_key, body_key, content = 'search_docs', content_rowid = 'id', tokenize = 'unicode61');

CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, title_key, body_key) VALUES (new.id, new.title_key, new.body_key);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_key, body_key) VALUES ('delete', old.id, old.title_key, old.body_key);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_key, body_key) VALUES ('delete', old.id, old.title_key, old.body_key);
    INSERT INTO search_fts (rowid, title_key, body_key) VALUES (new.id, new.title_key, new.body_key);
END;

-- How far each source has been copied, and with which key version.
CREATE TABLE search_sources (
    kind       TEXT PRIMARY KEY,
    watermark  TIMESTAMP NOT NULL,
    version    TEXT NOT NULL
);
