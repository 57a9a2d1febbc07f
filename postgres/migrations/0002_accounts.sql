-- Accounts of the people who sign in to an election, their credentials, and
-- the idempotency keys of their requests. Every table is append-only:
-- redeeming a code, revoking a session and disabling an account are rows of
-- their own, inserted once (their primary key makes a second redemption of
-- a code fail, also between processes). Secrets are never stored: only the
-- SHA-256 of each (actas.NewSecret), 32 bytes.
--
-- contact is canonical (actas.CanonicalContact) and unique in an election;
-- scope is a JSON array of area paths (coordinator) or station codes
-- (witness), empty for the other roles.
CREATE TABLE accounts (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	election integer NOT NULL REFERENCES elections (id),
	name     text NOT NULL CHECK (name <> ''),
	contact  text NOT NULL CHECK (contact <> ''),
	role     text NOT NULL CHECK (role IN ('admin', 'coordinator', 'witness', 'keyer')),
	scope    jsonb NOT NULL CHECK (jsonb_typeof(scope) = 'array'),
	created  timestamptz NOT NULL,
	UNIQUE (election, contact)
);

CREATE TABLE account_disablements (
	account bigint PRIMARY KEY REFERENCES accounts (id),
	at      timestamptz NOT NULL
);

CREATE TABLE sign_in_codes (
	hash    bytea PRIMARY KEY CHECK (length(hash) = 32),
	account bigint NOT NULL REFERENCES accounts (id),
	issued  timestamptz NOT NULL,
	expires timestamptz NOT NULL
);

CREATE TABLE sign_in_code_uses (
	code bytea PRIMARY KEY REFERENCES sign_in_codes (hash),
	at   timestamptz NOT NULL
);

CREATE TABLE sessions (
	hash    bytea PRIMARY KEY CHECK (length(hash) = 32),
	account bigint NOT NULL REFERENCES accounts (id),
	created timestamptz NOT NULL,
	expires timestamptz NOT NULL
);

CREATE TABLE session_revocations (
	session bytea PRIMARY KEY REFERENCES sessions (hash),
	at      timestamptz NOT NULL
);

CREATE TABLE api_tokens (
	hash    bytea PRIMARY KEY CHECK (length(hash) = 32),
	account bigint NOT NULL REFERENCES accounts (id),
	name    text NOT NULL CHECK (name <> ''),
	created timestamptz NOT NULL,
	UNIQUE (account, name)
);

CREATE INDEX sign_in_codes_account ON sign_in_codes (account);
CREATE INDEX sessions_account ON sessions (account);

-- Idempotency keys of requests that store things: a retry of a request
-- whose answer was lost finds the answer (seq, the log entry that answered
-- it) instead of storing the thing twice. request is the SHA-256 of the
-- request's content, so that the same key with other content is refused.
CREATE TABLE idempotency (
	account bigint NOT NULL REFERENCES accounts (id),
	key     text COLLATE "C" NOT NULL CHECK (key <> ''),
	request bytea NOT NULL CHECK (length(request) = 32),
	seq     bigint NOT NULL CHECK (seq >= 0),
	created timestamptz NOT NULL,
	PRIMARY KEY (account, key)
);

CREATE TRIGGER accounts_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('accounts are append-only: disabling one is a row of account_disablements');
CREATE TRIGGER account_disablements_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON account_disablements FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('account disablements are append-only');
CREATE TRIGGER sign_in_codes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON sign_in_codes FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('sign-in codes are append-only');
CREATE TRIGGER sign_in_code_uses_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON sign_in_code_uses FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('sign-in code uses are append-only: a used code stays used');
CREATE TRIGGER sessions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('sessions are append-only');
CREATE TRIGGER session_revocations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON session_revocations FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('session revocations are append-only: a revoked session stays revoked');
CREATE TRIGGER api_tokens_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('API tokens are append-only');
CREATE TRIGGER idempotency_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON idempotency FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('idempotency keys are append-only: a retry must find its answer');
