-- Mediation (调解): the bodies that mediate disputes, their mediators, and
-- who holds which post in a region, for the personal charge (包抓) of red
-- and yellow disputes (src/domain/mediation.h). The dispute flow reads
-- these; it never writes them.

-- People's mediation committees of villages and towns (人民调解委员会),
-- trade mediation bodies (行业性专业性调解组织) of a town or the county,
-- and the county's pool of experts (专家库). region is the area a body
-- serves: a dispute placed in it or under it may be assigned to the body.
CREATE TABLE mediation_bodies (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE
               CHECK (length(code) BETWEEN 2 AND 40 AND code NOT GLOB '*[^a-z0-9-]*'),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('village_committee', 'town_committee', 'trade',
                                             'expert_pool')),
    trade      TEXT CHECK (trade IN ('property', 'labour', 'traffic', 'medical',
                                     'marriage_family')),
    region     TEXT NOT NULL REFERENCES regions(code),
    phone      TEXT,  -- the body's office number, public: not sealed
    address    TEXT,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    -- A trade body names its trade; the others have none.
    CHECK ((kind = 'trade') = (trade IS NOT NULL))
);
-- One body of a kind (and trade) per region, so that "the village's
-- committee" names one body (wg_mediation_body_of); a body that stops is
-- made inactive, not replaced.
CREATE UNIQUE INDEX mediation_bodies_place ON mediation_bodies(region, kind, coalesce(trade, ''));

-- Mediators (调解员) of a body, with or without an account. specialities:
-- a JSON list of the major dispute categories they take ("11".."21");
-- lead: may lead a mediation (主调).
CREATE TABLE mediators (
    id           INTEGER PRIMARY KEY,
    body         INTEGER NOT NULL REFERENCES mediation_bodies(id),
    user_id      INTEGER REFERENCES users(id),
    name         TEXT NOT NULL,
    phone        TEXT,  -- sealed (src/core/secret.h)
    phone_masked TEXT,
    specialities TEXT NOT NULL DEFAULT '[]',
    lead         INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX mediators_body ON mediators(body, id);
-- An account serves a body once.
CREATE UNIQUE INDEX mediators_body_user ON mediators(body, user_id) WHERE user_id IS NOT NULL;
CREATE INDEX mediators_user ON mediators(user_id) WHERE user_id IS NOT NULL;

-- Posts (职务) held in a region: the village or town party secretary, a
-- village committee member or women's federation member, a town
-- department head, a county leader. The dispute flow names them in charge
-- of a dispute by its risk colour. Which post fits which level is checked
-- by wg_region_posts_set.
CREATE TABLE region_posts (
    region     TEXT NOT NULL REFERENCES regions(code),
    post       TEXT NOT NULL CHECK (post IN ('party_secretary', 'committee_member',
                                             'womens_federation', 'dept_head', 'county_leader')),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (region, post, user_id)
);
-- The posts one account holds (its work list of disputes in charge).
CREATE INDEX region_posts_user ON region_posts(user_id);
