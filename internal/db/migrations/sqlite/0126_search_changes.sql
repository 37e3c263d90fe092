-- The search copies what changed since it last looked (internal/search,
-- Source.Changed): these indexes keep that question cheap on every
-- search. Indexes only; the tables stay their components'.
CREATE INDEX IF NOT EXISTS proposals_updated ON proposals (updated_at, id);
CREATE INDEX IF NOT EXISTS organizations_updated ON organizations (updated_at, id);
CREATE INDEX IF NOT EXISTS programmes_updated ON programmes (updated_at, id);
CREATE INDEX IF NOT EXISTS meetings_updated ON meetings (updated_at, id);
