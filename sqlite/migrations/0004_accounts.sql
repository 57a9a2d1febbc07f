-- Accounts of the people who sign in to an election, and their credentials.
-- Every table is append-only: redeeming a code, revoking a session and
-- disabling an account are rows of their own, inserted once (their primary
-- key makes a second redemption of a code fail, also between processes).
-- Secrets are never stored: only the SHA-256 of each (actas.NewSecret),
-- 32 bytes. Times are UTC, RFC 3339 with nanoseconds.
--
-- contact is canonical (actas.CanonicalContact) and unique in an election;
-- scope is a JSON array of area paths (coordinator) or station codes
-- (witness), empty for the other roles; plain SQL reads it with json_each.
CREATE TABLE accounts (
	id       INTEGER PRIMARY KEY,
	election INTEGER NOT NULL REFERENCES elections (id),
	name     TEXT NOT NULL CHECK (name <> ''),
	contact  TEXT NOT NULL CHECK (contact <> ''),
	role     TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'witness', 'keyer')),
	scope    TEXT NOT NULL CHECK (json_valid(scope) AND json_type(scope) = 'array'),
	created  TEXT NOT NULL,
	UNIQUE (election, contact)
);

CREATE TABLE account_disablements (
	account INTEGER PRIMARY KEY REFERENCES accounts (id),
	at      TEXT NOT NULL
);

CREATE TABLE sign_in_codes (
	hash    BLOB PRIMARY KEY CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
	account INTEGER NOT NULL REFERENCES accounts (id),
	issued  TEXT NOT NULL,
	expires TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sign_in_code_uses (
	code BLOB PRIMARY KEY REFERENCES sign_in_codes (hash),
	at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
	hash    BLOB PRIMARY KEY CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
	account INTEGER NOT NULL REFERENCES accounts (id),
	created TEXT NOT NULL,
	expires TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE session_revocations (
	session BLOB PRIMARY KEY REFERENCES sessions (hash),
	at      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_tokens (
	hash    BLOB PRIMARY KEY CHECK (typeof(hash) = 'blob' AND length(hash) = 32),
	account INTEGER NOT NULL REFERENCES accounts (id),
	name    TEXT NOT NULL CHECK (name <> ''),
	created TEXT NOT NULL,
	UNIQUE (account, name)
) WITHOUT ROWID;

CREATE INDEX sign_in_codes_account ON sign_in_codes (account);
CREATE INDEX sessions_account ON sessions (account);

CREATE TRIGGER accounts_no_update BEFORE UPDATE ON accounts BEGIN SELECT RAISE(ABORT, 'accounts are append-only: disabling one is a row of account_disablements'); END;
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts BEGIN SELECT RAISE(ABORT, 'accounts are append-only: disabling one is a row of account_disablements'); END;
CREATE TRIGGER account_disablements_no_update BEFORE UPDATE ON account_disablements BEGIN SELECT RAISE(ABORT, 'account disablements are append-only'); END;
CREATE TRIGGER account_disablements_no_delete BEFORE DELETE ON account_disablements BEGIN SELECT RAISE(ABORT, 'account disablements are append-only'); END;
CREATE TRIGGER sign_in_codes_no_update BEFORE UPDATE ON sign_in_codes BEGIN SELECT RAISE(ABORT, 'sign-in codes are append-only'); END;
CREATE TRIGGER sign_in_codes_no_delete BEFORE DELETE ON sign_in_codes BEGIN SELECT RAISE(ABORT, 'sign-in codes are append-only'); END;
CREATE TRIGGER sign_in_code_uses_no_update BEFORE UPDATE ON sign_in_code_uses BEGIN SELECT RAISE(ABORT, 'sign-in code uses are append-only'); END;
CREATE TRIGGER sign_in_code_uses_no_delete BEFORE DELETE ON sign_in_code_uses BEGIN SELECT RAISE(ABORT, 'sign-in code uses are append-only: a used code stays used'); END;
CREATE TRIGGER sessions_no_update BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'sessions are append-only'); END;
CREATE TRIGGER sessions_no_delete BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'sessions are append-only'); END;
CREATE TRIGGER session_revocations_no_update BEFORE UPDATE ON session_revocations BEGIN SELECT RAISE(ABORT, 'session revocations are append-only'); END;
CREATE TRIGGER session_revocations_no_delete BEFORE DELETE ON session_revocations BEGIN SELECT RAISE(ABORT, 'session revocations are append-only: a revoked session stays revoked'); END;
CREATE TRIGGER api_tokens_no_update BEFORE UPDATE ON api_tokens BEGIN SELECT RAISE(ABORT, 'API tokens are append-only'); END;
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens BEGIN SELECT RAISE(ABORT, 'API tokens are append-only'); END;
