package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

func runInit(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "init", "--db DB --election election.json --stations stations.csv",
		"Creates an election with its geography and polling stations (formats in DESIGN.md).")
	db := flags.String("db", "", dbUsage)
	electionFile := flags.String("election", "", "election.json: id, name, date, levels, contests and choices")
	stationsFile := flags.String("stations", "", "stations.csv: station,registered,<one column per level>[,machines]")
	keyFile := flags.String("key", "", keyFlagUsage+"; created when there is none")
	logName := flags.String("log-name", "", "name of the log signing key when one is created, the first part of every checkpoint's origin (default "+defaultKeyName+")")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *electionFile == "" || *stationsFile == "" {
		flags.Usage()
		return &usageError{"init: --election and --stations are required"}
	}
	e, err := readElectionFile(*electionFile)
	if err != nil {
		return err
	}
	stations, err := readStationsFile(*stationsFile, e.Levels)
	if err != nil {
		return err
	}
	dbPath := dbFlag(env, *db)
	// The key first: an election must not be created that nobody can sign for.
	key, created, err := ensureSigningKey(env, dbPath, *keyFile, *logName)
	if err != nil {
		return err
	}
	if created {
		announceKey(env, key)
	}
	store, err := openStore(ctx, dbPath, false)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CreateElection(ctx, e, stations); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, describeElection(e, stations))
	_, err = signOnce(ctx, env, store, key, key.where, e.ID)
	return err
}

func readElectionFile(path string) (*actas.Election, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sheetio.ReadElection(f, path)
}

func readStationsFile(path string, levels []string) ([]actas.Station, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sheetio.ReadStations(f, path, levels)
}

// openInput opens a file the user named, with an error in their terms.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, actas.Errorf(actas.ENOTFOUND, "%s: no such file", path)
	}
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "%v", err)
	}
	return f, nil
}

// describeElection is the one-line summary printed when an election is created.
func describeElection(e *actas.Election, stations []actas.Station) string {
	var registered int64
	areas := map[string]bool{}
	for i := range stations {
		registered += stations[i].Registered
		for p := stations[i].Area; p != "" && !areas[p]; p = actas.ParentPath(p) {
			areas[p] = true
		}
	}
	contests := make([]string, len(e.Contests))
	for i, c := range e.Contests {
		contests[i] = fmt.Sprintf("%s (%d choices)", c.ID, len(c.Choices))
	}
	return fmt.Sprintf("created election %s (%s): %d stations, %d registered voters, %d areas (%s); contests: %s",
		e.ID, e.Name, len(stations), registered, len(areas), strings.Join(e.Levels, " > "), strings.Join(contests, ", "))
}
