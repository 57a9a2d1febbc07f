-- Records (actas.Record): what people of the project decided or did that is
-- not a sheet, e.g. a coordinator's review decision or an audit round. Each
-- is one entry of the election's log (log_index), re-derived from this row
-- when the log is read. time is UTC, RFC 3339 with nanoseconds as the entry
-- states it; body is the compact JSON the entry quotes. Append-only.
CREATE TABLE records (
	id        INTEGER PRIMARY KEY,
	election  INTEGER NOT NULL REFERENCES elections (id),
	log_index INTEGER NOT NULL CHECK (log_index > 0),
	kind      TEXT NOT NULL,
	subject   TEXT NOT NULL,
	account   TEXT NOT NULL,
	time      TEXT NOT NULL,
	body      TEXT NOT NULL,
	UNIQUE (election, log_index)
);
CREATE INDEX records_kind ON records (election, kind, log_index);

CREATE TRIGGER records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
