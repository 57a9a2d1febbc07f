package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/actasproject/actas"
)

const plainTable = `CREATE TABLE sheets (
	seq         INTEGER PRIMARY KEY,
	election    TEXT NOT NULL,
	station     TEXT NOT NULL,
	contest     TEXT NOT NULL,
	source      TEXT NOT NULL,
	votes       TEXT NOT NULL,
	blank_votes INTEGER NOT NULL,
	null_votes  INTEGER NOT NULL,
	ballots     INTEGER NOT NULL,
	voters      INTEGER NOT NULL,
	flags       INTEGER NOT NULL,
	submitter   TEXT NOT NULL,
	origin      TEXT NOT NULL,
	received    TEXT NOT NULL,
	evidence    TEXT
)`

const plainColumns = 14

const plainInsert = `INSERT INTO sheets (election, station, contest, source, votes, blank_votes, null_votes,
	ballots, voters, flags, submitter, origin, received, evidence) VALUES `

const plainRow = `?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`

// PlainInsert writes subs into a new SQLite file at path the plainest way
// there is: one table with a column per field of a submission, no
// secondary index, no check, multi-row INSERTs of rowsPerInsert rows in one
// transaction, with the pragmas and text encodings of Open. It is the
// storage limit that `actas bench` and BenchmarkPlainInsert measure Submit
// against; the file it leaves is of no other use. Errors: ECONFLICT if a
// file exists at path.
func PlainInsert(ctx context.Context, path string, subs []*actas.Submission) (err error) {
	if _, err := os.Stat(path); err == nil {
		return actas.Errorf(actas.ECONFLICT, "plain insert: %s exists; give a new file", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: plain insert: %w", err)
	}
	d, err := dsn(path, "immediate", append(slices.Clone(writePragmas), "journal_mode(WAL)"))
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", d)
	if err != nil {
		return fmt.Errorf("sqlite: plain insert: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("sqlite: plain insert: %w", cerr)
		}
	}()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, plainTable); err != nil {
		return fmt.Errorf("sqlite: plain insert: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: plain insert: %w", err)
	}
	defer rollback(tx)
	full, err := tx.PrepareContext(ctx, plainInsert+valuesSQL(rowsPerInsert, plainRow))
	if err != nil {
		return fmt.Errorf("sqlite: plain insert: %w", err)
	}
	defer full.Close()
	args := make([]any, 0, rowsPerInsert*plainColumns)
	var buf []byte
	ends := make([]int, 0, 3*rowsPerInsert)
	for start := 0; start < len(subs); start += rowsPerInsert {
		group := subs[start:min(start+rowsPerInsert, len(subs))]
		buf, ends = buf[:0], ends[:0]
		for _, s := range group {
			buf = appendVotes(buf, s.Sheet.Votes)
			ends = append(ends, len(buf))
			buf = appendReceived(buf, s.Received)
			ends = append(ends, len(buf))
			if buf, err = appendEvidence(buf, s.Evidence); err != nil {
				return fmt.Errorf("sqlite: plain insert: %w", err)
			}
			ends = append(ends, len(buf))
		}
		text := string(buf)
		args = args[:0]
		from := 0
		for j, s := range group {
			votesEnd, recvEnd, evEnd := ends[3*j], ends[3*j+1], ends[3*j+2]
			var evidence any
			if evEnd > recvEnd {
				evidence = text[recvEnd:evEnd]
			}
			args = append(args, s.Election, s.Sheet.Station, s.Sheet.Contest, string(s.Source),
				text[from:votesEnd], s.Sheet.Blank, s.Sheet.Null, s.Sheet.Ballots, s.Sheet.Voters, int64(s.Flags),
				s.Submitter, s.Origin, text[votesEnd:recvEnd], evidence)
			from = evEnd
		}
		if len(group) == rowsPerInsert {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, plainInsert+valuesSQL(len(group), plainRow), args...)
		}
		if err != nil {
			return fmt.Errorf("sqlite: plain insert: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: plain insert: %w", err)
	}
	return nil
}
