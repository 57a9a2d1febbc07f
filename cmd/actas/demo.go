package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/tabulate"
)

// demoFraud is what the demo's authority does unless --fraud says otherwise:
// enough falsified official sheets to turn the announced result around, so
// that the portal has something to show.
var demoFraud = []string{"incremental:0.15", "shift:0.15", "late-turnout:0.05"}

func runDemo(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "demo", "[--addr :8080] [--stations N] [--seed S] [--fraud MODEL …]",
		"Simulates a national election (witness sheets for most stations, official sheets for all of\n"+
			"them, some falsified), loads it into a temporary store and serves the portal. The store is\n"+
			"removed on exit unless --db names a file to keep.")
	addr := flags.String("addr", ":8080", "address to listen on")
	stations := flags.Int("stations", 30000, "polling stations")
	seed := flags.Uint64("seed", 1, "random seed")
	db := flags.String("db", "", "keep the store in this SQLite file (must not exist yet)")
	var frauds fraudFlags
	flags.Var(&frauds, "fraud", fraudHelp()+fmt.Sprintf(" (default %s)", strings.Join(demoFraud, " ")))
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if len(frauds) == 0 {
		for _, f := range demoFraud {
			if err := frauds.Set(f); err != nil {
				return err
			}
		}
	}

	start := time.Now()
	path := *db
	if path == "" {
		dir, err := os.MkdirTemp("", "actas-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "demo.db")
	} else if _, err := os.Stat(path); err == nil {
		return actas.Errorf(actas.ECONFLICT, "--db %s exists; the demo writes a new store", path)
	}
	ds, truth, err := simulate.Run(simulate.Config{Stations: *stations, Seed: *seed, Fraud: frauds})
	if err != nil {
		return err
	}
	// The demo's log is signed with a key of its own, beside its store
	// (removed with it unless --db keeps them).
	key, _, err := ensureSigningKey(env, path, path+".key", "") // never $ACTAS_LOG_KEY: a demo must not sign with a real key
	if err != nil {
		return err
	}
	store, err := openStore(ctx, path, false)
	if err != nil {
		return err
	}
	defer store.Close()
	tab, err := loadDataset(ctx, store, ds, fmt.Sprintf("simulated, seed %d", *seed))
	if err != nil {
		return err
	}
	if _, _, err := newCheckpointer(store, key).sign(ctx, ds.Election.ID); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	banner := demoBanner(ds, truth, time.Since(start))
	// Witnesses who sign in to the demo get their receipts like on a real
	// deployment.
	sg := newSigner()
	go sg.run(ctx, logger, store, key, 2*time.Second)
	go follow(ctx, logger, store, tab, 2*time.Second)
	return serveUntilDone(ctx, env, logger, store, tab, key.vkey, *addr, banner, sg, 0)
}

// loadDataset stores a whole dataset in a new election and returns its
// tabulation.
func loadDataset(ctx context.Context, store actas.Store, ds *actas.Dataset, origin string) (*tabulate.Tabulator, error) {
	if err := store.CreateElection(ctx, ds.Election, ds.Stations); err != nil {
		return nil, err
	}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(ds.Election, ds.Stations); err != nil {
		return nil, err
	}
	if err := flagSheets(ds.Election, sheetio.NewIndex(ds.Stations).Station, ds.Sheets, origin); err != nil {
		return nil, err
	}
	if _, _, err := submitSheets(ctx, store, tab, ds.Election, ds.Sheets, origin, nil); err != nil {
		return nil, err
	}
	if _, err := store.AddTotals(ctx, ds.Election.ID, ds.Totals); err != nil {
		return nil, err
	}
	if _, err := store.AddSnapshots(ctx, ds.Election.ID, ds.Snapshots); err != nil {
		return nil, err
	}
	return tab, nil
}

// demoBanner says what the simulated election holds, so the visitor knows
// what to look for.
func demoBanner(ds *actas.Dataset, truth *simulate.Truth, elapsed time.Duration) string {
	c := &ds.Election.Contests[0]
	leader := func(shares map[string]float64) string {
		best := ""
		for _, ch := range c.Choices {
			if best == "" || shares[ch.ID] > shares[best] {
				best = ch.ID
			}
		}
		return fmt.Sprintf("%s (%.1f%%)", best, 100*shares[best])
	}
	witness := 0
	for _, s := range ds.Sheets {
		if s.Source == actas.Witness {
			witness++
		}
	}
	return fmt.Sprintf("demo: %s, %d stations, %d witness sheets; %d official sheets falsified.\n"+
		"true winner %s; official winner %s. Ready in %.1f s.",
		ds.Election.Name, len(ds.Stations), witness, len(truth.Falsified),
		leader(truth.National.Shares), leader(truth.Official.Shares), elapsed.Seconds())
}
