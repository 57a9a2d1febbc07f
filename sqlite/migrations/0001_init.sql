-- Elections, their geography and stations, submissions, official totals and
-- turnout snapshots, and each election's transparency log.
--
-- Text columns hold what the program speaks (election, contest and choice ids,
-- station codes, area paths, sources); integer keys join the big tables so that
-- a million stations and their sheets stay small. Every table is append-only:
-- the triggers at the end refuse UPDATE and DELETE, a second line of defence
-- behind the program, which has no such statement. The one exception is the
-- last page of an election's log hashes, which grows as entries arrive (see
-- log_pages).

CREATE TABLE elections (
	id       INTEGER PRIMARY KEY,
	code     TEXT NOT NULL UNIQUE,                        -- the election id
	document TEXT NOT NULL CHECK (json_valid(document))   -- election.json as stored
);

-- contests and choices repeat, for plain SQL, what the document says: the
-- position of a choice is its place in submissions.votes.
CREATE TABLE contests (
	id       INTEGER PRIMARY KEY,
	election INTEGER NOT NULL REFERENCES elections (id),
	code     TEXT NOT NULL,
	position INTEGER NOT NULL,
	UNIQUE (election, code)
);

CREATE TABLE choices (
	contest  INTEGER NOT NULL REFERENCES contests (id),
	position INTEGER NOT NULL,
	code     TEXT NOT NULL,
	PRIMARY KEY (contest, position),
	UNIQUE (contest, code)
);

-- Every election has one national area (level -1, path ''); the others have
-- the index of their level in the election's levels, top first.
CREATE TABLE areas (
	id       INTEGER PRIMARY KEY,
	election INTEGER NOT NULL REFERENCES elections (id),
	parent   INTEGER REFERENCES areas (id),
	level    INTEGER NOT NULL,
	name     TEXT NOT NULL,
	path     TEXT NOT NULL,
	UNIQUE (election, path)
);

-- Stations are numbered in the order they were created. Like submissions
-- (see there) this table holds a million rows written at once, so its
-- references are resolved by the program, not declared.
CREATE TABLE stations (
	id         INTEGER PRIMARY KEY,
	election   INTEGER NOT NULL, -- elections (id)
	area       INTEGER NOT NULL, -- areas (id), a lowest-level area of the election
	code       TEXT NOT NULL,
	registered INTEGER NOT NULL CHECK (registered >= 0),
	machines   INTEGER NOT NULL CHECK (machines >= 0),
	UNIQUE (election, code)
);

-- A whole import shares one origin text; it is stored once.
CREATE TABLE origins (
	id   INTEGER PRIMARY KEY,
	text TEXT NOT NULL UNIQUE
);

-- One row per stored submission. Its row id packs the election and the
-- sequence number (id = election << 40 | seq), so that the rows of an election
-- are one range of the table in seq order and need no index of their own; the
-- columns election and seq unpack it for plain SQL. seq is the submission's
-- index in the election's log: it grows from 1 and skips the indexes of the
-- log's other entries (totals, snapshots). votes are the counts per choice
-- in ballot order, comma separated; voters is -1 when the sheet does not state
-- it; received is UTC, RFC 3339 with nanoseconds; evidence is a JSON array,
-- NULL when there is none. digest is actas.Sheet.Digest of the numbers: the
-- same source stating the same numbers for the same station and contest is
-- stored once.
--
-- This table has a million rows per source and is written a million rows at
-- a time, so it declares no foreign keys and no checks: the program resolves
-- station, contest and origin in the transaction that inserts the row, and
-- declaring them would look each one up again per row (a quarter of the cost
-- of an import). They would not stop tampering either: a connection of the
-- sqlite3 shell does not enforce foreign keys. The transparency log detects
-- changed numbers.
CREATE TABLE submissions (
	id          INTEGER PRIMARY KEY,
	election    INTEGER NOT NULL GENERATED ALWAYS AS (id >> 40) VIRTUAL,       -- elections (id)
	seq         INTEGER NOT NULL GENERATED ALWAYS AS (id & 1099511627775) VIRTUAL,
	station     INTEGER NOT NULL, -- stations (id)
	contest     INTEGER NOT NULL, -- contests (id)
	source      TEXT NOT NULL,
	digest      BLOB NOT NULL,
	votes       TEXT NOT NULL,
	blank_votes INTEGER NOT NULL,
	null_votes  INTEGER NOT NULL,
	ballots     INTEGER NOT NULL,
	voters      INTEGER NOT NULL,
	flags       INTEGER NOT NULL,
	submitter   TEXT NOT NULL,
	origin      INTEGER NOT NULL, -- origins (id)
	received    TEXT NOT NULL,
	evidence    TEXT
);
CREATE UNIQUE INDEX submissions_sheet ON submissions (station, contest, source, digest);

-- Official totals and snapshots keep every value stated; the current value of
-- a key is its row with the highest id. log_index is the row's entry in the
-- election's log.
CREATE TABLE totals (
	id        INTEGER PRIMARY KEY,
	election  INTEGER NOT NULL REFERENCES elections (id),
	contest   INTEGER NOT NULL REFERENCES contests (id),
	bulletin  TEXT NOT NULL,
	area      INTEGER NOT NULL REFERENCES areas (id),
	choice    TEXT NOT NULL,
	votes     INTEGER NOT NULL CHECK (votes >= 0),
	log_index INTEGER NOT NULL CHECK (log_index > 0)
);
CREATE INDEX totals_key ON totals (election, contest, bulletin, area, choice);
CREATE UNIQUE INDEX totals_log ON totals (election, log_index);

-- A snapshot's scope is a station or an area, never both.
CREATE TABLE snapshots (
	id        INTEGER PRIMARY KEY,
	election  INTEGER NOT NULL REFERENCES elections (id),
	station   INTEGER REFERENCES stations (id),
	area      INTEGER REFERENCES areas (id),
	time      INTEGER NOT NULL CHECK (time BETWEEN 0 AND 1440),
	source    TEXT NOT NULL,
	voters    INTEGER NOT NULL CHECK (voters >= 0),
	log_index INTEGER NOT NULL CHECK (log_index > 0),
	CHECK ((station IS NULL) <> (area IS NULL))
);
CREATE INDEX snapshots_station ON snapshots (station, time, source) WHERE station IS NOT NULL;
CREATE INDEX snapshots_area ON snapshots (area, time, source) WHERE area IS NOT NULL;
CREATE UNIQUE INDEX snapshots_log ON snapshots (election, log_index);

-- The transparency log (package translog). Entries are not stored: each is
-- derived again, whenever it is read, from the row it records (entry 0 from
-- the election's document and stations, then submissions by seq, totals and
-- snapshots by log_index), so that a number changed behind the program's back
-- changes its entry, which then disagrees with the hashes below and with every
-- checkpoint signed since.
--
-- log_pages holds the Merkle tree hashes of golang.org/x/mod/sumdb/tlog
-- (stored-hash index i of an election at offset 32 * (i % 32) of its page
-- i / 32), written in the transaction that stores what they log. A page is
-- 1 KiB: small enough that SQLite keeps the row in its B-tree page (a row of
-- 2 KiB or more spills into an overflow page, which doubles the pages a bulk
-- import writes) and that the rewrite of the last one (below) costs a live
-- submission little; a row per hash would double the rows a million-sheet
-- import writes. A full page is written once. The last page of an election is
-- partial and is rewritten, longer, as entries arrive: the one UPDATE the
-- program makes. It is allowed because the page is derived data (every hash
-- in it follows from the entries) and the rewrite only appends: the trigger
-- log_pages_grow_only refuses any change to the hashes a page already holds,
-- to a full page, or to a page's key.
CREATE TABLE log_pages (
	election INTEGER NOT NULL REFERENCES elections (id),
	page     INTEGER NOT NULL CHECK (page >= 0),
	hashes   BLOB NOT NULL CHECK (typeof(hashes) = 'blob' AND length(hashes) BETWEEN 32 AND 1024 AND length(hashes) % 32 = 0),
	PRIMARY KEY (election, page)
) WITHOUT ROWID;

-- Every checkpoint the deployment signed, as kept: size and root repeat, for
-- plain SQL, what the signed note states. created is UTC, RFC 3339.
CREATE TABLE checkpoints (
	id       INTEGER PRIMARY KEY,
	election INTEGER NOT NULL REFERENCES elections (id),
	size     INTEGER NOT NULL CHECK (size >= 0),
	root     BLOB NOT NULL CHECK (typeof(root) = 'blob' AND length(root) = 32),
	note     TEXT NOT NULL,
	created  TEXT NOT NULL
);
CREATE INDEX checkpoints_election ON checkpoints (election, id);

CREATE TRIGGER elections_no_update BEFORE UPDATE ON elections BEGIN SELECT RAISE(ABORT, 'elections are append-only'); END;
CREATE TRIGGER elections_no_delete BEFORE DELETE ON elections BEGIN SELECT RAISE(ABORT, 'elections are append-only'); END;
CREATE TRIGGER contests_no_update BEFORE UPDATE ON contests BEGIN SELECT RAISE(ABORT, 'contests are append-only'); END;
CREATE TRIGGER contests_no_delete BEFORE DELETE ON contests BEGIN SELECT RAISE(ABORT, 'contests are append-only'); END;
CREATE TRIGGER choices_no_update BEFORE UPDATE ON choices BEGIN SELECT RAISE(ABORT, 'choices are append-only'); END;
CREATE TRIGGER choices_no_delete BEFORE DELETE ON choices BEGIN SELECT RAISE(ABORT, 'choices are append-only'); END;
CREATE TRIGGER areas_no_update BEFORE UPDATE ON areas BEGIN SELECT RAISE(ABORT, 'areas are append-only'); END;
CREATE TRIGGER areas_no_delete BEFORE DELETE ON areas BEGIN SELECT RAISE(ABORT, 'areas are append-only'); END;
CREATE TRIGGER stations_no_update BEFORE UPDATE ON stations BEGIN SELECT RAISE(ABORT, 'stations are append-only'); END;
CREATE TRIGGER stations_no_delete BEFORE DELETE ON stations BEGIN SELECT RAISE(ABORT, 'stations are append-only'); END;
CREATE TRIGGER origins_no_update BEFORE UPDATE ON origins BEGIN SELECT RAISE(ABORT, 'origins are append-only'); END;
CREATE TRIGGER origins_no_delete BEFORE DELETE ON origins BEGIN SELECT RAISE(ABORT, 'origins are append-only'); END;
CREATE TRIGGER submissions_no_update BEFORE UPDATE ON submissions BEGIN SELECT RAISE(ABORT, 'submissions are append-only: a correction is a new submission'); END;
CREATE TRIGGER submissions_no_delete BEFORE DELETE ON submissions BEGIN SELECT RAISE(ABORT, 'submissions are append-only: a correction is a new submission'); END;
CREATE TRIGGER totals_no_update BEFORE UPDATE ON totals BEGIN SELECT RAISE(ABORT, 'official totals are append-only: another value is a new row'); END;
CREATE TRIGGER totals_no_delete BEFORE DELETE ON totals BEGIN SELECT RAISE(ABORT, 'official totals are append-only: another value is a new row'); END;
CREATE TRIGGER snapshots_no_update BEFORE UPDATE ON snapshots BEGIN SELECT RAISE(ABORT, 'snapshots are append-only: another value is a new row'); END;
CREATE TRIGGER snapshots_no_delete BEFORE DELETE ON snapshots BEGIN SELECT RAISE(ABORT, 'snapshots are append-only: another value is a new row'); END;
CREATE TRIGGER log_pages_no_delete BEFORE DELETE ON log_pages BEGIN SELECT RAISE(ABORT, 'log pages are append-only'); END;
CREATE TRIGGER log_pages_grow_only BEFORE UPDATE ON log_pages
WHEN NEW.election IS NOT OLD.election OR NEW.page IS NOT OLD.page
	OR length(OLD.hashes) >= 1024
	OR length(NEW.hashes) <= length(OLD.hashes)
	OR substr(NEW.hashes, 1, length(OLD.hashes)) IS NOT OLD.hashes
BEGIN SELECT RAISE(ABORT, 'log pages are append-only: only the last, partial page grows, keeping the hashes it holds'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
