-- orgs: the directory's name search uses an index. organizations.search_key
-- (kazakh.SearchKey of every name and short name, written by the orgs
-- service) is indexed with FTS5; the query's words match word prefixes.
-- The index is an external-content table kept in step by triggers, so any
-- code that writes search_key keeps it right.
CREATE VIRTUAL TABLE organizations_fts USING fts5 (
    search_key,
    content = 'organizations',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO organizations_fts (organizations_fts) VALUES ('rebuild');

CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations
BEGIN
    INSERT INTO organizations_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_key ON organizations
BEGIN
    INSERT INTO organizations_fts (organizations_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    INSERT INTO organizations_fts (rowid, search_key) VALUES (new.id, new.search_key);
END;
CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations
BEGIN
    INSERT INTO organizations_fts (organizations_fts, rowid, search_key) VALUES ('delete', old.id, old.search_key);
END;
