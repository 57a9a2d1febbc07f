-- Areas, stations and submissions are partitioned by election: each
-- election's rows are a table of their own (areas_<id>, stations_<id>,
-- submissions_<id>, where <id> is elections.id), attached to the table of
-- 0001 as its partition.
--
-- Why: a big election is written a million rows at a time, and keeping a
-- B-tree up to date row by row takes longer than the copy itself, about
-- twice as long as building the index once from the rows (measured on a
-- million stations: 3.7 s of upkeep for two indexes, 1.0 s to build them).
-- An election's partition is therefore made without indexes
-- (actas_partition), filled, and then attached (actas_attach), which builds
-- its indexes from its rows. The areas and stations of an election are
-- attached when the election is created; its submissions on its first
-- Submit, after the rows of a first import are copied. Until then the parent
-- holds no submission of the election, which is what it has.
--
-- The partitions keep every rule of 0001: the columns, checks and keys are
-- the parent's; the append-only triggers are repeated on each partition,
-- because a statement that names a partition does not fire its parent's
-- statement triggers.

-- Makes the table that is to hold election eid's rows of parent ('areas',
-- 'stations' or 'submissions'): the parent's columns and checks, a check that every
-- row is the election's (which lets actas_attach skip scanning the rows),
-- the append-only trigger, and no index.
CREATE FUNCTION actas_partition(parent text, eid integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	part text := parent || '_' || eid;
	message text;
BEGIN
	CASE parent
	WHEN 'areas' THEN message := 'areas are append-only';
	WHEN 'stations' THEN message := 'stations are append-only';
	WHEN 'submissions' THEN message := 'submissions are append-only: a correction is a new submission';
	ELSE RAISE EXCEPTION 'actas_partition: % is not partitioned', parent;
	END CASE;
	EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (election = %s))', part, parent, eid);
	EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only(%L)',
		part || '_append_only', part, message);
END $$;

-- Attaches the table actas_partition made as election eid's partition of
-- parent, building its indexes from the rows it holds, and gathers its
-- statistics: without them the planner guesses, and its guess for joining
-- a million submissions to their stations was a scan of the stations per
-- submission (two minutes to read 45,000 log entries, against a second).
-- A sample of 3,000 rows (statistics target 10) is enough to choose
-- between these tables' indexes, at a tenth of the default's cost;
-- autovacuum samples more once a tenth of the rows have changed.
CREATE FUNCTION actas_attach(parent text, eid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF parent NOT IN ('areas', 'stations', 'submissions') THEN
		RAISE EXCEPTION 'actas_attach: % is not partitioned', parent;
	END IF;
	EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s)', parent, parent || '_' || eid, eid);
	PERFORM set_config('default_statistics_target', '10', true);
	EXECUTE format('ANALYZE %I', parent || '_' || eid);
	PERFORM set_config('default_statistics_target', current_setting('default_statistics_target', true), true);
END $$;

-- Log pages are written by the thousand with what they log (65,000 for a
-- million sheets), in the election's transaction: their reference to the
-- election is the program's to keep too.
ALTER TABLE log_pages DROP CONSTRAINT log_pages_election_fkey;

-- The tables of 0001 make way for partitioned ones, then their rows move,
-- election by election, into partitions; the references of totals and
-- snapshots to areas and stations follow them.
ALTER TABLE totals DROP CONSTRAINT totals_election_area_fkey;
ALTER TABLE snapshots DROP CONSTRAINT snapshots_election_station_fkey;
ALTER TABLE snapshots DROP CONSTRAINT snapshots_election_area_fkey;
ALTER TABLE areas RENAME TO areas_0001;
ALTER INDEX areas_pkey RENAME TO areas_0001_pkey;
ALTER INDEX areas_election_path_key RENAME TO areas_0001_election_path_key;
ALTER TABLE stations RENAME TO stations_0001;
ALTER INDEX stations_pkey RENAME TO stations_0001_pkey;
ALTER INDEX stations_election_code_key RENAME TO stations_0001_election_code_key;
ALTER TABLE submissions RENAME TO submissions_0001;
ALTER INDEX submissions_pkey RENAME TO submissions_0001_pkey;
ALTER INDEX submissions_station RENAME TO submissions_0001_station;

-- As in 0001, except that an election's areas, written with it (a few
-- hundred thousand rows for a big one), no longer declare their reference to
-- it: like the stations', it is the program's to keep, not a trigger's per
-- row, which took longer than the copy itself.
CREATE TABLE areas (
	election integer NOT NULL, -- elections (id)
	id       integer NOT NULL CHECK (id >= 0),
	parent   integer,
	level    integer NOT NULL CHECK (level >= -1),
	name     text NOT NULL,
	path     text COLLATE "C" NOT NULL,
	PRIMARY KEY (election, id),
	UNIQUE (election, path),
	CHECK ((id = 0) = (parent IS NULL))
) PARTITION BY LIST (election);

-- As in 0001.
CREATE TABLE stations (
	election   integer NOT NULL, -- elections (id)
	id         integer NOT NULL CHECK (id >= 0),
	area       integer NOT NULL, -- areas (election, id), a lowest-level area
	code       text COLLATE "C" NOT NULL,
	registered bigint NOT NULL CHECK (registered >= 0),
	machines   bigint NOT NULL CHECK (machines >= 0),
	PRIMARY KEY (election, id),
	UNIQUE (election, code)
) PARTITION BY LIST (election);

-- As in 0001.
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
) PARTITION BY LIST (election);
CREATE INDEX submissions_station ON submissions (election, station);

CREATE TRIGGER areas_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON areas FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('areas are append-only');
CREATE TRIGGER stations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON stations FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('stations are append-only');
CREATE TRIGGER submissions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON submissions FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('submissions are append-only: a correction is a new submission');

DO $$
DECLARE
	eid integer;
BEGIN
	FOR eid IN SELECT id FROM elections ORDER BY id LOOP
		PERFORM actas_partition('areas', eid);
		EXECUTE format('INSERT INTO %I SELECT * FROM areas_0001 WHERE election = %s ORDER BY id', 'areas_' || eid, eid);
		PERFORM actas_attach('areas', eid);
		PERFORM actas_partition('stations', eid);
		EXECUTE format('INSERT INTO %I SELECT * FROM stations_0001 WHERE election = %s ORDER BY id', 'stations_' || eid, eid);
		PERFORM actas_attach('stations', eid);
		PERFORM actas_partition('submissions', eid);
		EXECUTE format('INSERT INTO %I SELECT * FROM submissions_0001 WHERE election = %s ORDER BY seq', 'submissions_' || eid, eid);
		PERFORM actas_attach('submissions', eid);
	END LOOP;
END $$;

DROP TABLE areas_0001, stations_0001, submissions_0001;
ALTER TABLE totals ADD FOREIGN KEY (election, area) REFERENCES areas (election, id);
ALTER TABLE snapshots ADD FOREIGN KEY (election, station) REFERENCES stations (election, id);
ALTER TABLE snapshots ADD FOREIGN KEY (election, area) REFERENCES areas (election, id);
