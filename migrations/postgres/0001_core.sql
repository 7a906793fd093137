-- The region tree: statistical division codes (GB/T 2260 and the 12-digit
-- village-level codes). level is one of province, city, county, town, village.
CREATE TABLE regions (
    code       TEXT PRIMARY KEY CHECK (length(code) = 12),
    parent     TEXT REFERENCES regions(code),
    level      TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'town', 'village')),
    name       TEXT NOT NULL,
    path       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent, code);

-- Shipped data files loaded into the database (region codes, later
-- categories and holidays), by content hash, so an unchanged file is not
-- loaded again at every start.
CREATE TABLE data_loads (
    name      TEXT PRIMARY KEY,
    sha256    TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);
