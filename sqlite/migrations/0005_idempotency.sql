-- Idempotency keys of requests that store things (a witness's submission):
-- the client names each request with a key of its own, so that a retry of
-- a request whose answer was lost finds the answer instead of storing the
-- thing twice, also after a restart. request is the SHA-256 of the
-- request's content, so that the same key with other content is refused;
-- seq is the log entry that answered it. Append-only, like the accounts.
CREATE TABLE idempotency (
	account INTEGER NOT NULL REFERENCES accounts (id),
	key     TEXT NOT NULL CHECK (key <> ''),
	request BLOB NOT NULL CHECK (typeof(request) = 'blob' AND length(request) = 32),
	seq     INTEGER NOT NULL CHECK (seq >= 0),
	created TEXT NOT NULL,
	PRIMARY KEY (account, key)
) WITHOUT ROWID;

CREATE TRIGGER idempotency_no_update BEFORE UPDATE ON idempotency BEGIN SELECT RAISE(ABORT, 'idempotency keys are append-only'); END;
CREATE TRIGGER idempotency_no_delete BEFORE DELETE ON idempotency BEGIN SELECT RAISE(ABORT, 'idempotency keys are append-only: a retry must find its answer'); END;
