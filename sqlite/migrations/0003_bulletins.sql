-- What a bulletin says of itself, on each of its totals: when it was
-- announced (UTC, RFC 3339, whole seconds; NULL when not known) and the
-- share of stations it claims to cover, in millionths (0 when not stated).
-- They are part of a total's value: stating the same votes with another
-- time or coverage is a new row, as another number would be.
ALTER TABLE totals ADD COLUMN announced TEXT CHECK (announced IS NULL OR announced GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z');
ALTER TABLE totals ADD COLUMN coverage_ppm INTEGER NOT NULL DEFAULT 0 CHECK (coverage_ppm BETWEEN 0 AND 1000000);
