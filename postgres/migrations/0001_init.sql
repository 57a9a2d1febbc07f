-- Elections, their geography and stations, submissions, official totals,
-- turnout snapshots, records, evidence files and each election's
-- transparency log.
--
-- Text columns hold what the program speaks (election, contest and choice
-- ids, station codes, area paths, sources), in COLLATE "C" so that they
-- sort byte by byte as the program does. The big tables are keyed by their
-- election and a number the program assigns (an area's or station's index
-- in the election, a log index), so that a million stations are written with
-- COPY, without a sequence. Every table is append-only: the triggers at the
-- end refuse UPDATE, DELETE and TRUNCATE, a second line of defence behind
-- the program, which has no such statement. The one exception is the last
-- page of an election's log hashes, which grows as entries arrive (see
-- log_pages).

-- Refuses the change a trigger is fired for, with the trigger's argument as
-- the message.
CREATE FUNCTION actas_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
END $$;

CREATE TABLE elections (
	id       integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	code     text COLLATE "C" NOT NULL UNIQUE, -- the election id
	document jsonb NOT NULL                    -- election.json as stored
);

-- contests and choices repeat, for plain SQL, what the document says: a
-- contest is named in other tables by its position in the document, and the
-- position of a choice is its place in submissions.votes.
CREATE TABLE contests (
	election integer NOT NULL REFERENCES elections (id),
	position integer NOT NULL CHECK (position >= 0),
	code     text COLLATE "C" NOT NULL,
	PRIMARY KEY (election, position),
	UNIQUE (election, code)
);

CREATE TABLE choices (
	election integer NOT NULL,
	contest  integer NOT NULL,
	position integer NOT NULL CHECK (position >= 0),
	code     text COLLATE "C" NOT NULL,
	PRIMARY KEY (election, contest, position),
	UNIQUE (election, contest, code),
	FOREIGN KEY (election, contest) REFERENCES contests (election, position)
);

-- Area 0 of every election is national (level -1, path ''); the others have
-- the index of their level in the election's levels, top first. id is the
-- area's number in its election, in the order the stations named them.
CREATE TABLE areas (
	election integer NOT NULL REFERENCES elections (id),
	id       integer NOT NULL CHECK (id >= 0),
	parent   integer,
	level    integer NOT NULL CHECK (level >= -1),
	name     text NOT NULL,
	path     text COLLATE "C" NOT NULL,
	PRIMARY KEY (election, id),
	UNIQUE (election, path),
	CHECK ((id = 0) = (parent IS NULL))
);

-- id is the station's number in its election, in creation order. Like
-- submissions (see there) this table holds a million rows written at once,
-- so its references are resolved by the program, not declared: a declared
-- one is checked by a trigger per row, which would double the copy's time.
CREATE TABLE stations (
	election   integer NOT NULL, -- elections (id)
	id         integer NOT NULL CHECK (id >= 0),
	area       integer NOT NULL, -- areas (election, id), a lowest-level area
	code       text COLLATE "C" NOT NULL,
	registered bigint NOT NULL CHECK (registered >= 0),
	machines   bigint NOT NULL CHECK (machines >= 0),
	PRIMARY KEY (election, id),
	UNIQUE (election, code)
);

-- A whole import shares one origin text; it is stored once.
CREATE TABLE origins (
	id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	text text NOT NULL UNIQUE
);

-- One row per stored submission. seq is the submission's index in the
-- election's log: it grows from 1 and skips the indexes of the log's other
-- entries. contest is the contest's position; votes are the counts per
-- choice in ballot order; voters is -1 when the sheet does not state it;
-- received is the time to the microsecond and received_ns the nanoseconds
-- beyond it (the log entry states nanoseconds); evidence is a JSON array,
-- NULL when there is none. digest is actas.Sheet.Digest of the numbers: the
-- same source stating the same numbers for the same station and contest is
-- stored once.
--
-- This table has a million rows per source and is written a million rows at
-- a time with COPY, so it declares no foreign keys and one index beside its
-- key: the program resolves station, contest and origin, and decides which
-- sheets are already present, in the transaction that inserts the rows,
-- which holds the election's log lock; the transparency log detects changed
-- numbers. (A unique index on the digests would be upkeep for every row of
-- every import, for a check the program already makes.)
CREATE TABLE submissions (
	election    integer NOT NULL, -- elections (id)
	seq         bigint NOT NULL CHECK (seq > 0),
	station     integer NOT NULL, -- stations (election, id)
	contest     integer NOT NULL, -- contests (election, position)
	source      text COLLATE "C" NOT NULL,
	digest      bytea NOT NULL,
	votes       bigint[] NOT NULL,
	blank_votes bigint NOT NULL,
	null_votes  bigint NOT NULL,
	ballots     bigint NOT NULL,
	voters      bigint NOT NULL,
	flags       bigint NOT NULL,
	submitter   text NOT NULL,
	origin      integer NOT NULL, -- origins (id)
	received    timestamptz NOT NULL,
	received_ns smallint NOT NULL CHECK (received_ns BETWEEN 0 AND 999),
	evidence    jsonb,
	PRIMARY KEY (election, seq)
);
CREATE INDEX submissions_station ON submissions (election, station);

-- Official totals and snapshots keep every value stated; the current value
-- of a key is its row with the highest log_index, the row's entry in the
-- election's log. announced is when the bulletin was announced (whole
-- seconds, NULL when not known); coverage_ppm the share of stations it
-- claims, in millionths.
CREATE TABLE totals (
	election     integer NOT NULL REFERENCES elections (id),
	log_index    bigint NOT NULL CHECK (log_index > 0),
	contest      integer NOT NULL,
	bulletin     text COLLATE "C" NOT NULL,
	area         integer NOT NULL,
	choice       text COLLATE "C" NOT NULL,
	votes        bigint NOT NULL CHECK (votes >= 0),
	announced    timestamptz CHECK (announced = date_trunc('second', announced)),
	coverage_ppm integer NOT NULL DEFAULT 0 CHECK (coverage_ppm BETWEEN 0 AND 1000000),
	PRIMARY KEY (election, log_index),
	FOREIGN KEY (election, contest) REFERENCES contests (election, position),
	FOREIGN KEY (election, area) REFERENCES areas (election, id)
);
CREATE INDEX totals_key ON totals (election, contest, bulletin, area, choice);

-- A snapshot's scope is a station or an area, never both; time is minutes
-- of the election day.
CREATE TABLE snapshots (
	election  integer NOT NULL REFERENCES elections (id),
	log_index bigint NOT NULL CHECK (log_index > 0),
	station   integer,
	area      integer,
	time      integer NOT NULL CHECK (time BETWEEN 0 AND 1440),
	source    text COLLATE "C" NOT NULL,
	voters    bigint NOT NULL CHECK (voters >= 0),
	PRIMARY KEY (election, log_index),
	FOREIGN KEY (election, station) REFERENCES stations (election, id),
	FOREIGN KEY (election, area) REFERENCES areas (election, id),
	CHECK ((station IS NULL) <> (area IS NULL))
);
CREATE INDEX snapshots_station ON snapshots (election, station, time, source) WHERE station IS NOT NULL;
CREATE INDEX snapshots_area ON snapshots (election, area, time, source) WHERE area IS NOT NULL;

-- Records (actas.Record): what people of the project decided or did that is
-- not a sheet. time is to the microsecond and time_ns the nanoseconds beyond;
-- body is the compact JSON the entry quotes, kept as text so that it reads
-- back byte for byte.
CREATE TABLE records (
	election  integer NOT NULL REFERENCES elections (id),
	log_index bigint NOT NULL CHECK (log_index > 0),
	kind      text COLLATE "C" NOT NULL,
	subject   text NOT NULL,
	account   text NOT NULL,
	time      timestamptz NOT NULL,
	time_ns   smallint NOT NULL CHECK (time_ns BETWEEN 0 AND 999),
	body      text NOT NULL,
	PRIMARY KEY (election, log_index)
);
CREATE INDEX records_kind ON records (election, kind, log_index);

-- The transparency log (package translog). Entries are not stored: each is
-- derived again, whenever it is read, from the row it records, so that a
-- number changed behind the program's back changes its entry, which then
-- disagrees with the hashes below and with every checkpoint signed since.
--
-- log_pages holds the Merkle tree hashes of golang.org/x/mod/sumdb/tlog
-- (stored-hash index i of an election at offset 32 * (i % 32) of its page
-- i / 32), written in the transaction that stores what they log. A full
-- page (1 KiB) is written once; the last page of an election is partial and
-- is rewritten, longer, as entries arrive: the one UPDATE the program makes.
-- The trigger log_pages_grow_only refuses any other change.
CREATE TABLE log_pages (
	election integer NOT NULL REFERENCES elections (id),
	page     bigint NOT NULL CHECK (page >= 0),
	hashes   bytea NOT NULL CHECK (length(hashes) BETWEEN 32 AND 1024 AND length(hashes) % 32 = 0),
	PRIMARY KEY (election, page)
);

-- Every checkpoint the deployment signed, as kept: size and root repeat, for
-- plain SQL, what the signed note states.
CREATE TABLE checkpoints (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	election integer NOT NULL REFERENCES elections (id),
	size     bigint NOT NULL CHECK (size >= 0),
	root     bytea NOT NULL CHECK (length(root) = 32),
	note     text NOT NULL,
	created  timestamptz NOT NULL
);
CREATE INDEX checkpoints_election ON checkpoints (election, id);

-- Evidence files (photos of sheets, scans), stored by content: a file is
-- named by the lowercase hex SHA-256 of its bytes, once per election.
-- media_type was detected from the bytes when they were stored.
CREATE TABLE evidence (
	election   integer NOT NULL REFERENCES elections (id),
	sha256     text COLLATE "C" NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	media_type text NOT NULL,
	size       bigint NOT NULL CHECK (size > 0),
	data       bytea NOT NULL CHECK (length(data) = size),
	stored     timestamptz NOT NULL,
	PRIMARY KEY (election, sha256)
);

CREATE FUNCTION actas_log_pages_grow_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.election IS DISTINCT FROM OLD.election OR NEW.page IS DISTINCT FROM OLD.page
		OR length(OLD.hashes) >= 1024
		OR length(NEW.hashes) <= length(OLD.hashes)
		OR substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) IS DISTINCT FROM OLD.hashes THEN
		RAISE EXCEPTION 'log pages are append-only: only the last, partial page grows, keeping the hashes it holds'
			USING ERRCODE = 'restrict_violation';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER log_pages_grow_only BEFORE UPDATE ON log_pages FOR EACH ROW EXECUTE FUNCTION actas_log_pages_grow_only();
CREATE TRIGGER log_pages_no_delete BEFORE DELETE OR TRUNCATE ON log_pages FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('log pages are append-only');

CREATE TRIGGER elections_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON elections FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('elections are append-only');
CREATE TRIGGER contests_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON contests FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('contests are append-only');
CREATE TRIGGER choices_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON choices FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('choices are append-only');
CREATE TRIGGER areas_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON areas FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('areas are append-only');
CREATE TRIGGER stations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON stations FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('stations are append-only');
CREATE TRIGGER origins_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON origins FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('origins are append-only');
CREATE TRIGGER submissions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON submissions FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('submissions are append-only: a correction is a new submission');
CREATE TRIGGER totals_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON totals FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('official totals are append-only: another value is a new row');
CREATE TRIGGER snapshots_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON snapshots FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('snapshots are append-only: another value is a new row');
CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON records FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('records are append-only');
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('checkpoints are append-only');
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON evidence FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('evidence is append-only: a file is stored once and never changed');
