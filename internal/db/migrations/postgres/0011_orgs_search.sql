-- orgs: the directory's name search uses an index. organizations.search_key
-- (kazakh.SearchKey of every name and short name, written by the orgs
-- service) is indexed as a 'simple' tsvector (no stemming or stop words:
-- the key is already normalized); the query's words match word prefixes.
CREATE INDEX organizations_search ON organizations
    USING GIN (to_tsvector('simple', COALESCE(search_key, '')));
