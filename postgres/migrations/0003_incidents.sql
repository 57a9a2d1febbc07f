-- Incident reports (actas.Incident): private, never entries of the public
-- log. What the public reads of one is a coordinator's decision, a record
-- of kind 'incident' in records, whose subject is the incident's id.
-- station is a station code or '' for a report about an area; area is the
-- canonical path of the station's area or of the area reported ('' is the
-- whole election); photos is a JSON array of evidence sha256 names of the
-- election. Append-only.
CREATE TABLE incidents (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	election integer NOT NULL REFERENCES elections (id),
	station  text COLLATE "C" NOT NULL,
	area     text COLLATE "C" NOT NULL,
	category text NOT NULL CHECK (category <> ''),
	severity smallint NOT NULL CHECK (severity BETWEEN 1 AND 3),
	time     timestamptz NOT NULL,
	text     text NOT NULL CHECK (octet_length(text) <= 4096),
	photos   jsonb NOT NULL CHECK (jsonb_typeof(photos) = 'array'),
	account  bigint NOT NULL REFERENCES accounts (id),
	received timestamptz NOT NULL
);
CREATE INDEX incidents_election ON incidents (election, id);

CREATE TRIGGER incidents_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON incidents FOR EACH STATEMENT EXECUTE FUNCTION actas_append_only('incidents are append-only: moderation is a record');
