package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/jackc/pgx/v5"
)

// plainTables are the tables PlainCopy writes: a column per field, no key,
// no index, no check.
const plainTables = `CREATE TABLE plain_stations (
	code       text NOT NULL,
	area       text NOT NULL,
	registered bigint NOT NULL,
	machines   bigint NOT NULL
);
CREATE TABLE plain_sheets (
	election    text NOT NULL,
	station     text NOT NULL,
	contest     text NOT NULL,
	source      text NOT NULL,
	votes       bigint[] NOT NULL,
	blank_votes bigint NOT NULL,
	null_votes  bigint NOT NULL,
	ballots     bigint NOT NULL,
	voters      bigint NOT NULL,
	flags       bigint NOT NULL,
	submitter   text NOT NULL,
	origin      text NOT NULL,
	received    timestamptz NOT NULL,
	evidence    jsonb
)`

// PlainCopy writes stations and subs into two new tables of the database at
// url the plainest way there is: a column per field, no key, index or
// check, one COPY each in one transaction. It is the storage limit that
// imports (CreateElection and Submit) are measured against; the tables it
// leaves are of no other use, so give it a database of its own. Errors:
// ECONFLICT when the database holds any table.
func PlainCopy(ctx context.Context, url string, stations []actas.Station, subs []*actas.Submission) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("postgres: plain copy: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var tables int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables); err != nil {
		return fmt.Errorf("postgres: plain copy: %w", err)
	}
	if tables > 0 {
		return actas.Errorf(actas.ECONFLICT, "plain copy: database %s holds tables; give an empty one", Redact(url))
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: plain copy: %w", err)
	}
	defer rollback(ctx, tx)
	if _, err := tx.Exec(ctx, plainTables, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("postgres: plain copy: %w", err)
	}
	row := make([]any, 4)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"plain_stations"}, []string{"code", "area", "registered", "machines"},
		pgx.CopyFromSlice(len(stations), func(i int) ([]any, error) {
			st := &stations[i]
			row[0], row[1], row[2], row[3] = st.Code, st.Area, st.Registered, st.Machines
			return row, nil
		})); err != nil {
		return fmt.Errorf("postgres: plain copy: stations: %w", err)
	}
	srow := make([]any, 14)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"plain_sheets"}, []string{"election", "station", "contest", "source", "votes",
		"blank_votes", "null_votes", "ballots", "voters", "flags", "submitter", "origin", "received", "evidence"},
		pgx.CopyFromSlice(len(subs), func(i int) ([]any, error) {
			s := subs[i]
			var evidence any
			if len(s.Evidence) > 0 {
				j, err := json.Marshal(s.Evidence)
				if err != nil {
					return nil, err
				}
				evidence = string(j)
			}
			srow[0], srow[1], srow[2], srow[3], srow[4] = s.Election, s.Sheet.Station, s.Sheet.Contest, string(s.Source), s.Sheet.Votes
			srow[5], srow[6], srow[7], srow[8], srow[9] = s.Sheet.Blank, s.Sheet.Null, s.Sheet.Ballots, s.Sheet.Voters, int64(s.Flags)
			srow[10], srow[11], srow[12], srow[13] = s.Submitter, s.Origin, s.Received.UTC().Truncate(time.Microsecond), evidence
			return srow, nil
		})); err != nil {
		return fmt.Errorf("postgres: plain copy: sheets: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: plain copy: %w", err)
	}
	return nil
}
