package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/web"
)

// runBenchLog measures the log's targets on one large election: proofs
// served by the portal, and `actas log verify` from a store and from a
// portal.
func runBenchLog(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "bench log", "[--stations N] [--levels L] [--choices C] [--dir DIR]",
		"Simulates an election (one official sheet per station), stores it as init and import do (one log\n"+
			"entry per sheet), signs a checkpoint, then measures: inclusion and consistency proofs served by\n"+
			"the portal's handler (random entries of the whole log), and `actas log verify` of the whole log\n"+
			"from the store (--db) and from the portal over loopback (--url), without and with the comparison\n"+
			"of results.")
	stations := flags.Int("stations", 1_050_000, "polling stations (and log entries)")
	levels := flags.Int("levels", 5, "levels of geography")
	choices := flags.Int("choices", 12, "candidates")
	seed := flags.Uint64("seed", 1, "random seed")
	dir := flags.String("dir", "", "directory for the files and database (default: a temporary one, removed)")
	proofs := flags.Int("proofs", 20_000, "proofs to time, of each kind")
	readers := flags.Int("readers", 200, "concurrent readers of proofs")
	think := flags.Duration("think", 100*time.Millisecond, "pause of each reader between proofs")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *readers < 1 || *proofs < *readers {
		return &usageError{"bench log: --readers must be at least 1, and --proofs at least --readers"}
	}
	work, cleanup, err := benchDir(*dir, "actas-bench-log-")
	if err != nil {
		return err
	}
	defer cleanup()
	out := env.Stdout

	// The election, stored as init and import store it (not timed).
	t0 := time.Now()
	ds, err := benchElection(out, "log", *stations, *levels, *choices, *seed)
	if err != nil {
		return err
	}
	sheetsPath := filepath.Join(work, "official.csv")
	if err := writeFile(sheetsPath, func(w io.Writer) error {
		return writeSheets(w, &ds.Election.Contests[0], ds.Sheets, actas.Official)
	}); err != nil {
		return err
	}
	e, stList := ds.Election, ds.Stations
	ds = nil
	dbPath := filepath.Join(work, "log.db")
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.CreateElection(ctx, e, stList); err != nil {
		return err
	}
	subs, err := readSheetsFile(sheetsPath, e, sheetio.NewIndex(stList))
	if err != nil {
		return err
	}
	if _, _, err := submitSheets(ctx, store, nil, e, subs, "bench", nil); err != nil {
		return err
	}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(e, stList); err != nil {
		return err
	}
	for _, s := range subs {
		if err := tab.Add(s); err != nil {
			return err
		}
	}
	subs, stList = nil, nil
	key, _, err := ensureSigningKey(env, dbPath, dbPath+".key", "")
	if err != nil {
		return err
	}
	t1 := time.Now()
	cp, _, err := newCheckpointer(store, key).sign(ctx, e.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "stored %d log entries in %.1f s (not timed); signed a checkpoint of them in %s\n\n",
		cp.Size, time.Since(t0).Seconds(), time.Since(t1).Round(time.Millisecond))
	settle()

	// Proofs through the portal's handler.
	srv, err := web.New(web.Config{Store: store, Results: tab, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: version, LogKey: key.vkey})
	if err != nil {
		return err
	}
	defer srv.Close()
	h := srv.Handler()
	call := func(target string) error {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", target, rec.Code, rec.Body.String())
		}
		return nil
	}
	size := cp.Size
	inclusion := func(rng *rand.Rand) error {
		return call(fmt.Sprintf("/log/%s/proof/inclusion?index=%d&size=%d", e.ID, rng.Int64N(size), size))
	}
	consistency := func(rng *rand.Rand) error {
		return call(fmt.Sprintf("/log/%s/proof/consistency?from=%d&size=%d", e.ID, 1+rng.Int64N(size), size))
	}
	fmt.Fprintf(out, "proofs served by the handler, in process, random entries of the log of %d\n", size)
	for _, m := range []struct {
		name    string
		readers int
		think   time.Duration
		fn      func(rng *rand.Rand) error
	}{
		{"inclusion, one reader back to back", 1, 0, inclusion},
		{"consistency, one reader back to back", 1, 0, consistency},
		{fmt.Sprintf("inclusion, %d readers each pausing %s", *readers, *think), *readers, *think, inclusion},
		{fmt.Sprintf("consistency, %d readers each pausing %s", *readers, *think), *readers, *think, consistency},
	} {
		n := *proofs
		if m.readers == 1 {
			n = min(n, 5000)
		}
		l := measureConcurrent(m.readers, n, m.think, m.fn)
		if l.err != nil {
			return l.err
		}
		fmt.Fprintf(out, "  %s\n    %d proofs, %.0f/s: p50 %s  p99 %s  max %s\n", m.name, len(l.d), l.perSecond, l.q(0.50), l.q(0.99), l.q(1))
	}

	// actas log verify, from the store and from the portal.
	u, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	go srv.Serve()
	fmt.Fprintf(out, "\nactas log verify of the whole log (%d entries)\n", size)
	for _, m := range []struct {
		name string
		args []string
	}{
		{"--db, entries only (--results=false)", []string{"--db", dbPath, "--results=false"}},
		{"--url over loopback, entries only", []string{"--url", u, "--results=false"}},
		{"--db, and results compared with the store's", []string{"--db", dbPath}},
		{"--url over loopback, and results compared with the API's", []string{"--url", u}},
	} {
		settle()
		var buf bytes.Buffer
		venv := &Env{Stdout: &buf, Stderr: io.Discard, Getenv: func(string) string { return "" }}
		state := filepath.Join(work, "state.json")
		os.Remove(state)
		args := append([]string{"log", "verify", "--key", key.vkey, "--state", state}, m.args...)
		t0, c0 := time.Now(), cpuTime()
		err := Run(ctx, venv, args)
		d, c := time.Since(t0), cpuTime()-c0
		if err != nil {
			return fmt.Errorf("verify %s: %w\n%s", m.name, err, buf.String())
		}
		// CPU time says what the work costs on a machine others share.
		fmt.Fprintf(out, "  %s: %.1f s, %.0f entries/s; %.1f s of CPU (verifier and server), %.0f entries per CPU-second\n",
			m.name, d.Seconds(), float64(size)/d.Seconds(), c.Seconds(), float64(size)/c.Seconds())
	}
	return nil
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
