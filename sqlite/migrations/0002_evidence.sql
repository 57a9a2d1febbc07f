-- Evidence files (photos of sheets, scans), stored by content: a file is
-- named by the lowercase hex SHA-256 of its bytes, once per election.
-- Submissions name their photos in their evidence column, whose JSON holds
-- the same hex text, so plain SQL can join the two:
--   SELECT s.seq, e.media_type FROM submissions s, json_each(s.evidence) j
--   JOIN evidence e ON e.sha256 = j.value ->> 'sha256' AND e.election = s.election;
-- media_type was detected from the bytes when they were stored (never taken
-- from a client) and is what the portal serves them as; size repeats
-- length(data) for plain SQL; stored is UTC, RFC 3339. The key is unique
-- rather than the table WITHOUT ROWID: rows of megabytes belong in a rowid
-- table, and the index lets Submit check a photo without reading it.
CREATE TABLE evidence (
	id         INTEGER PRIMARY KEY,
	election   INTEGER NOT NULL REFERENCES elections (id),
	sha256     TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
	media_type TEXT NOT NULL,
	size       INTEGER NOT NULL CHECK (size > 0),
	data       BLOB NOT NULL CHECK (typeof(data) = 'blob' AND length(data) = size),
	stored     TEXT NOT NULL,
	UNIQUE (election, sha256)
);

CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a file is stored once and never changed'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a file is stored once and never changed'); END;
