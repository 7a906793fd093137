-- Disputes (矛盾纠纷) and petitions (信访) on the case engine: what their
-- flows (flows/dispute.json, flows/petition.json) keep besides the cases
-- row. src/domain/dispute.c and src/domain/petition.c write these tables in
-- the transaction of the action or report that changes them.

-- What the engine itself decides on: the lead mediator's account (the
-- "mediator" place rule of an action) and the step of the five-step ladder
-- (五步调解法: 0 on site, 1 diverted, 2 town joint, 3 county joint,
-- 4 arbitration or court) that a failed mediation climbs.
ALTER TABLE cases ADD COLUMN mediator_user INTEGER REFERENCES users(id);
ALTER TABLE cases ADD COLUMN ladder INTEGER NOT NULL DEFAULT 0 CHECK (ladder BETWEEN 0 AND 4);
CREATE INDEX cases_mediator ON cases(mediator_user, id) WHERE mediator_user IS NOT NULL;
-- The dispute statistics (wg_dispute_figures) read the disputes of an area and
-- period only: a few percent of all cases.
CREATE INDEX cases_disputes ON cases(scope_key, reported_at) WHERE kind = 'dispute';

-- One row per dispute.
CREATE TABLE disputes (
    case_id          INTEGER PRIMARY KEY REFERENCES cases(id),
    subject_matter   TEXT,                 -- 争议标的
    amount_fen       INTEGER CHECK (amount_fen >= 0), -- the amount in dispute, in fen
    body             INTEGER REFERENCES mediation_bodies(id), -- assigned
    mediator         INTEGER REFERENCES mediators(id),        -- the lead mediator
    judicial         TEXT CHECK (judicial IN ('requested', 'confirmed', 'refused')),
    judicial_court   TEXT,
    judicial_ruling  TEXT,
    judicial_at      INTEGER,
    agreed_at        INTEGER,
    performed_at     INTEGER,              -- agreement performed: the dispute is resolved
    -- Family disputes (婚姻家庭纠纷): the risk level sets the call-back
    -- interval and who calls back (src/domain/dispute.h).
    family_level     TEXT CHECK (family_level IN ('safe', 'micro', 'low', 'medium', 'high')),
    family_set_at    INTEGER,
    last_callback_at INTEGER,
    callback_due     INTEGER               -- the next call-back, on a working day
);
CREATE INDEX disputes_callback ON disputes(callback_due) WHERE callback_due IS NOT NULL;

-- Parties (当事人): persons and organisations, with their role.
CREATE TABLE case_parties (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases(id),
    role         TEXT NOT NULL CHECK (role IN ('applicant', 'respondent', 'third_party')),
    type         TEXT NOT NULL CHECK (type IN ('person', 'organisation')),
    name         TEXT NOT NULL,
    phone        TEXT,          -- sealed (src/core/secret.h)
    phone_masked TEXT,
    id_index     TEXT,          -- blind index of the ID number (persons)
    id_masked    TEXT,
    credit_code  TEXT,          -- unified social credit code (organisations)
    resident     INTEGER REFERENCES residents(id),
    organisation INTEGER REFERENCES organisations(id),
    address      TEXT
);
CREATE INDEX case_parties_case ON case_parties(case_id, id);
CREATE INDEX case_parties_id ON case_parties(id_index) WHERE id_index IS NOT NULL;

-- Mediation sessions: scheduled, then held with minutes.
CREATE TABLE mediation_sessions (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    at          INTEGER NOT NULL,
    place       TEXT,
    online      INTEGER NOT NULL DEFAULT 0,
    attendees   TEXT,
    minutes     TEXT,
    held_at     INTEGER,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX mediation_sessions_case ON mediation_sessions(case_id, id);

-- Agreements (调解协议): terms and the signed document.
CREATE TABLE agreements (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    terms      TEXT NOT NULL,
    documents  TEXT NOT NULL DEFAULT '[]', -- JSON list of attachment sha256
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX agreements_case ON agreements(case_id, id);

-- People in personal charge (包抓) by risk colour, and the family
-- call-back owner: a user, or (user NULL) the centre of region.
CREATE TABLE case_in_charge (
    case_id     INTEGER NOT NULL REFERENCES cases(id),
    duty        TEXT NOT NULL CHECK (duty IN ('in_charge', 'callback')),
    post        TEXT NOT NULL,
    region      TEXT NOT NULL REFERENCES regions(code),
    user_id     INTEGER REFERENCES users(id),
    name        TEXT,
    created_at  INTEGER NOT NULL,
    released_at INTEGER
);
CREATE INDEX case_in_charge_case ON case_in_charge(case_id);
CREATE INDEX case_in_charge_user ON case_in_charge(user_id, case_id) WHERE released_at IS NULL;
CREATE INDEX case_in_charge_region ON case_in_charge(region, case_id)
    WHERE released_at IS NULL AND user_id IS NULL;

-- One row per petition (信访): the visitor, what they ask, who first
-- received it (首问责任), and the earlier petition on the same matter.
CREATE TABLE petitions (
    case_id          INTEGER PRIMARY KEY REFERENCES cases(id),
    form             TEXT NOT NULL CHECK (form IN ('visit', 'letter', 'phone', 'online')),
    visitor_name     TEXT NOT NULL,
    visitor_phone    TEXT,          -- sealed
    visitor_phone_masked TEXT,
    visitor_id_index TEXT,          -- blind index of the ID number
    visitor_id_masked TEXT,
    visitors         INTEGER NOT NULL DEFAULT 1 CHECK (visitors >= 1),
    subject          TEXT NOT NULL,
    demands          TEXT NOT NULL,
    first_asked_user INTEGER REFERENCES users(id),
    first_asked_name TEXT,
    repeat_of        INTEGER REFERENCES cases(id)
);
CREATE INDEX petitions_visitor ON petitions(visitor_id_index) WHERE visitor_id_index IS NOT NULL;
CREATE INDEX petitions_repeat ON petitions(repeat_of) WHERE repeat_of IS NOT NULL;
