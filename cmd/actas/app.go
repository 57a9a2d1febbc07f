package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
	"github.com/actasproject/actas/postgres"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/tabulate"
)

// defaultDB is the store used when neither --db nor ACTAS_DB names one.
const defaultDB = "actas.db"

// dbUsage is the help of every command's --db flag, which dbFlag resolves.
const dbUsage = "SQLite file, or postgres://user@host/database (default $ACTAS_DB or " + defaultDB + ")"

// dbFlag resolves the --db value: the flag, else $ACTAS_DB, else actas.db.
func dbFlag(env *Env, flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := env.Getenv("ACTAS_DB"); v != "" {
		return v
	}
	return defaultDB
}

// openStore opens the store named by db. mustExist refuses to create a new
// SQLite file, so that a mistyped path is reported instead of showing an
// empty election.
func openStore(ctx context.Context, db string, mustExist bool) (actas.Store, error) {
	if isPostgresURL(db) {
		// The database must exist (createdb); Open creates the tables.
		st, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", postgres.Redact(db), err)
		}
		return st, nil
	}
	if mustExist {
		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
			return nil, actas.Errorf(actas.ENOTFOUND, "no database at %s: create one with `actas init --db %s ...` or `actas import --format ...`", db, db)
		}
	}
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", db, err)
	}
	return st, nil
}

// isPostgresURL reports whether --db names a PostgreSQL database rather
// than a SQLite file.
func isPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// electionUsage is the help of the --election flag of the commands that
// pickElection serves.
const electionUsage = "election id (may be left out when the store holds one election)"

// pickElection returns the election named by id, or the only one in the
// store when id is empty.
// openElection opens an existing store and picks the election id names
// (see pickElection). The caller closes the store.
func openElection(ctx context.Context, db, id string) (actas.Store, *actas.Election, error) {
	store, err := openStore(ctx, db, true)
	if err != nil {
		return nil, nil, err
	}
	e, err := pickElection(ctx, store, id)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, e, nil
}

func pickElection(ctx context.Context, store actas.Store, id string) (*actas.Election, error) {
	if id != "" {
		return store.Election(ctx, id)
	}
	all, err := store.Elections(ctx)
	if err != nil {
		return nil, err
	}
	switch len(all) {
	case 0:
		return nil, actas.Errorf(actas.ENOTFOUND, "the store holds no election yet: create one with `actas init` or `actas import --format`")
	case 1:
		return all[0], nil
	}
	ids := make([]string, len(all))
	for i, e := range all {
		ids[i] = e.ID
	}
	return nil, actas.Errorf(actas.EINVALID, "the store holds %d elections (%s): name one with --election", len(all), strings.Join(ids, ", "))
}

// loadResults builds the in-memory tabulation of every election in the
// store by replaying its submissions in order, then the coordinators'
// decisions (package review).
func loadResults(ctx context.Context, store actas.Store) (*tabulate.Tabulator, error) {
	tab, err := tabulate.Load(ctx, store, tabulate.DefaultRules())
	if err != nil {
		return nil, err
	}
	elections, err := store.Elections(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range elections {
		if err := review.ApplyAll(ctx, store, tab, e.ID); err != nil {
			return nil, err
		}
	}
	return tab, nil
}

// flagSheets sets each submission's Flags (see sheetFlags). Errors:
// EINVALID for a station the election lacks.
func flagSheets(e *actas.Election, stations sheetio.StationLookup, subs []*actas.Submission, origin string) error {
	for _, s := range subs {
		st, ok := stations(s.Sheet.Station)
		if !ok {
			return actas.Errorf(actas.EINVALID, "%s: election %s has no station %q", origin, e.ID, s.Sheet.Station)
		}
		s.Flags = sheetFlags(e, s, st)
	}
	return nil
}

// sheetFlags returns what is suspicious about submission s of station st:
// what actas.Check finds, and a QR payload among its evidence that
// disagrees with its sheet or cannot be read (sheetio.QRFlags, Venezuelan
// payloads read with the 2024 ballot's cards). A flagged sheet is still
// stored: the disagreement is evidence.
func sheetFlags(e *actas.Election, s *actas.Submission, st *actas.Station) actas.Flags {
	f := actas.Check(&s.Sheet, st, e.Capacity(st))
	for _, ev := range s.Evidence {
		if ev.Kind != sheetio.QRKind {
			continue
		}
		c, err := e.Contest(s.Sheet.Contest)
		if err != nil {
			// Readers only return sheets of the election's contests; a QR
			// payload for a contest it lacks cannot agree with anything.
			return f | actas.FlagQRMismatch
		}
		return f | sheetio.QRFlags(s, c, nil)
	}
	return f
}

// readSubmissions reads a sheets file of one source into submissions whose
// Flags are set, with the photos the file names as their evidence. The file
// is accepted whole or not at all.
func readSubmissions(r io.Reader, file string, e *actas.Election, contest string, idx *sheetio.Index, src actas.Source) ([]*actas.Submission, error) {
	sr, err := sheetio.NewSheetReader(r, file, e, contest, idx.Station)
	if err != nil {
		return nil, err
	}
	var subs []*actas.Submission
	var slab []actas.Submission // one allocation per 4096 submissions
	for {
		sheet, err := sr.Read()
		if errors.Is(err, io.EOF) {
			return subs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(slab) == 0 {
			slab = make([]actas.Submission, 4096)
		}
		s := &slab[0]
		slab = slab[1:]
		st := sr.Station()
		*s = actas.Submission{Source: src, Sheet: *sheet, Evidence: sr.Evidence()}
		s.Flags = sheetFlags(e, s, st)
		subs = append(subs, s)
	}
}

// submitSheets stores and tabulates flagged sheets of one election in one
// transaction. Submissions keep a Received time their source states (a
// format may know when a sheet arrived); the others get now. tab may be nil
// when nothing in this process reads results.
func submitSheets(ctx context.Context, store actas.Store, tab *tabulate.Tabulator, e *actas.Election,
	subs []*actas.Submission, origin string, progress func(int)) (actas.Report, int, error) {
	now := time.Now().UTC()
	for _, s := range subs {
		s.Election = e.ID
		if s.Received.IsZero() {
			s.Received = now
		}
		if s.Submitter == "" {
			s.Submitter = "import"
		}
		s.Origin = origin
	}
	outcomes, err := store.Submit(ctx, e.ID, subs, progress)
	if err != nil {
		return actas.Report{}, 0, err
	}
	var rep actas.Report
	flagged := 0
	for i, o := range outcomes {
		rep.Add(o)
		if o == actas.Present {
			continue
		}
		if subs[i].Flags != 0 {
			flagged++
		}
		if tab != nil {
			if err := tab.Add(subs[i]); err != nil {
				return rep, flagged, fmt.Errorf("tabulate stored submission %d: %w", subs[i].Seq, err)
			}
		}
	}
	return rep, flagged, nil
}

func newBufferedWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 1<<20) }

// runSubcommands runs the command of a group (`actas NAME COMMAND …`) that
// args names, or prints the group's usage: on stdout when asked for help,
// else on stderr with a usage error.
func runSubcommands(ctx context.Context, env *Env, args []string, name string, commands []command, about string) error {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(ctx, env, args[1:])
			}
		}
	}
	w := env.Stderr
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		w = env.Stdout
	}
	fmt.Fprintf(w, "Usage: actas %s COMMAND [flags]   (actas %s COMMAND -h for its flags)\n\n%s Commands:\n", name, name, about)
	width, names := 0, make([]string, len(commands))
	for i, c := range commands {
		width, names[i] = max(width, len(c.name)), c.name
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s %s\n", width+1, c.name, c.summary)
	}
	switch {
	case len(args) == 0:
		list := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
		return &usageError{fmt.Sprintf("%s: name a command: %s", name, list)}
	case w == env.Stdout:
		return nil
	}
	return &usageError{fmt.Sprintf("%s: unknown command %q", name, args[0])}
}
