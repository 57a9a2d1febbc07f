-- Incident reports (actas.Incident): private, never entries of the public
-- log. What the public reads of one is a coordinator's decision, a record
-- of kind 'incident' in records, whose subject is the incident's id.
-- station is a station code or '' for a report about an area; area is the
-- canonical path of the station's area or of the area reported ('' is the
-- whole election). time (as reported) and received are UTC, RFC 3339 with
-- nanoseconds; photos is a JSON array of evidence sha256 names of the
-- election. Append-only.
CREATE TABLE incidents (
	id       INTEGER PRIMARY KEY,
	election INTEGER NOT NULL REFERENCES elections (id),
	station  TEXT NOT NULL,
	area     TEXT NOT NULL,
	category TEXT NOT NULL CHECK (category <> ''),
	severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 3),
	time     TEXT NOT NULL,
	text     TEXT NOT NULL CHECK (length(CAST(text AS BLOB)) <= 4096),
	photos   TEXT NOT NULL CHECK (json_type(photos) = 'array'),
	account  INTEGER NOT NULL REFERENCES accounts (id),
	received TEXT NOT NULL
);
CREATE INDEX incidents_election ON incidents (election, id);

CREATE TRIGGER incidents_no_update BEFORE UPDATE ON incidents BEGIN SELECT RAISE(ABORT, 'incidents are append-only: moderation is a record'); END;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents BEGIN SELECT RAISE(ABORT, 'incidents are append-only: moderation is a record'); END;
