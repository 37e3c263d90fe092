-- Search ranks in memory on every node (internal/search/index.go, decision
-- 0127): the engine's full-text index is no longer read, and keeping it
-- cost every copied document an FTS5 insert. search_docs stays the
-- shared copy each node loads its index from.
DROP TRIGGER IF EXISTS search_docs_ai;
DROP TRIGGER IF EXISTS search_docs_ad;
DROP TRIGGER IF EXISTS search_docs_au;
DROP TABLE IF EXISTS search_fts;

-- The language detected in each body field when it was copied (one digit
-- per field kk, ru, en: kazakh.Lang, 0 for an empty field), so that a
-- snippet stems its words without detecting the language at every search.
-- Empty for rows copied before: filled in the background at start
-- (Service.Sync with all), detected at search time until then.
ALTER TABLE search_docs ADD COLUMN body_langs TEXT NOT NULL DEFAULT '';
CREATE INDEX search_docs_nolangs ON search_docs (id) WHERE body_langs = '';
