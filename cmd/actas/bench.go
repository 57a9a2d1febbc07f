package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/web"
)

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(env.Stderr, "Usage: actas bench import [flags]   (actas bench import -h)")
		if len(args) == 0 {
			return &usageError{"bench: name what to measure: import"}
		}
		return &usageError{fmt.Sprintf("bench: unknown benchmark %q", args[0])}
	}
	flags := newFlagSet(env, "bench import", "[--stations N] [--levels L] [--choices C] [--dir DIR]",
		"Simulates an election (one official sheet per station), writes its files, then measures in one\n"+
			"run: a plain batched SQLite insert of the sheets (the baseline), the actas import of the same\n"+
			"sheets (read the CSV, check, store, tabulate), the memory it takes, and the latency of results\n"+
			"queries at every level with concurrent readers, in memory and through the API handler.\n"+
			"Figures are reported as ratios to the baseline: the machine may be shared and noisy.")
	stations := flags.Int("stations", 1_050_000, "polling stations")
	levels := flags.Int("levels", 5, "levels of geography")
	choices := flags.Int("choices", 12, "candidates")
	seed := flags.Uint64("seed", 1, "random seed")
	dir := flags.String("dir", "", "directory for the files and databases (default: a temporary one, removed)")
	queries := flags.Int("queries", 20_000, "results queries to time")
	readers := flags.Int("readers", 200, "concurrent readers")
	rest, err := parseFlags(flags, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{fmt.Sprintf("bench import: unexpected argument %q", rest[0])}
	}
	if *readers < 1 || *queries < *readers {
		return &usageError{"bench import: --queries must be at least --readers, and --readers at least 1"}
	}
	work := *dir
	if work == "" {
		if work, err = os.MkdirTemp("", "actas-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	out := env.Stdout
	fmt.Fprintf(out, "actas bench import: %d stations, %d levels, %d choices, seed %d; %s, %d CPUs\n",
		*stations, *levels, *choices, *seed, runtime.Version(), runtime.NumCPU())

	// Prepare the files (not timed).
	t0 := time.Now()
	ds, _, err := simulate.Run(simulate.Config{Stations: *stations, Levels: *levels, Choices: *choices, Seed: *seed,
		WitnessCoverage: -1, StationSample: -1})
	if err != nil {
		return err
	}
	electionPath, stationsPath, sheetsPath := filepath.Join(work, "election.json"), filepath.Join(work, "stations.csv"), filepath.Join(work, "official.csv")
	c := &ds.Election.Contests[0]
	for _, f := range []struct {
		path  string
		write func(w io.Writer) error
	}{
		{electionPath, func(w io.Writer) error { return sheetio.WriteElection(w, ds.Election) }},
		{stationsPath, func(w io.Writer) error { return sheetio.WriteStations(w, ds.Election.Levels, ds.Stations) }},
		{sheetsPath, func(w io.Writer) error { return writeSheets(w, c, ds.Sheets, actas.Official) }},
	} {
		if err := writeFile(f.path, f.write); err != nil {
			return err
		}
	}
	ds = nil
	fmt.Fprintf(out, "prepared files in %s (%.1f s, not timed)\n\n", work, time.Since(t0).Seconds())

	// Baseline: the same sheets, already parsed, inserted by plain batched INSERTs.
	e, err := readElectionFile(electionPath)
	if err != nil {
		return err
	}
	stList, err := readStationsFile(stationsPath, e.Levels)
	if err != nil {
		return err
	}
	subs, err := readSheetsFile(sheetsPath, e, stList)
	if err != nil {
		return err
	}
	n := len(subs)
	t0 = time.Now()
	if err := sqlite.PlainInsert(ctx, filepath.Join(work, "baseline.db"), subs); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	baseline := time.Since(t0)
	subs, stList = nil, nil
	runtime.GC()
	debug.FreeOSMemory()

	// actas: create the election, then import the sheets file as `actas
	// import` does, and tabulate them.
	mem := startRSSSampler(50 * time.Millisecond)
	t0 = time.Now()
	store, err := sqlite.Open(ctx, filepath.Join(work, "actas.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	e, err = readElectionFile(electionPath)
	if err != nil {
		return err
	}
	stList, err = readStationsFile(stationsPath, e.Levels)
	if err != nil {
		return err
	}
	if err := store.CreateElection(ctx, e, stList); err != nil {
		return err
	}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(e, stList); err != nil {
		return err
	}
	initTime := time.Since(t0)

	t0 = time.Now()
	subs, err = readSheetsFile(sheetsPath, e, stList)
	if err != nil {
		return err
	}
	parseTime := time.Since(t0)
	t1 := time.Now()
	rep, flagged, err := submitSheets(ctx, store, nil, e, stationIndex(stList), subs, "bench", nil)
	if err != nil {
		return err
	}
	storeTime := time.Since(t1)
	t1 = time.Now()
	for _, s := range subs {
		if err := tab.Add(s); err != nil {
			return err
		}
	}
	tabTime := time.Since(t1)
	importTime := time.Since(t0)
	peakRSS := mem.stop()
	subs = nil
	if rep.New != n {
		return actas.Errorf(actas.EINTERNAL, "bench: stored %s, want %d new", rep, n)
	}

	rate := func(d time.Duration) string { return fmt.Sprintf("%.0f sheets/s", float64(n)/d.Seconds()) }
	fmt.Fprintf(out, "import of %d sheets (%d flagged)\n", n, flagged)
	fmt.Fprintf(out, "  baseline: plain batched SQLite insert   %7.2f s  %s\n", baseline.Seconds(), rate(baseline))
	fmt.Fprintf(out, "  actas: read CSV + check + store + tabulate %5.2f s  %s   ratio to baseline %.2f\n", importTime.Seconds(), rate(importTime), importTime.Seconds()/baseline.Seconds())
	fmt.Fprintf(out, "    read CSV %.2f s, check + store %.2f s (ratio %.2f), tabulate %.2f s\n", parseTime.Seconds(), storeTime.Seconds(), storeTime.Seconds()/baseline.Seconds(), tabTime.Seconds())
	fmt.Fprintf(out, "  creating the election (%d stations, store + tabulation) %.2f s\n", len(stList), initTime.Seconds())
	fmt.Fprintf(out, "  peak resident memory while creating and importing: %.0f MiB\n\n", float64(peakRSS)/(1<<20))

	// Queries, with readers querying at once.
	targets, err := benchTargets(tab, e, c.ID)
	if err != nil {
		return err
	}
	inMemory := measureConcurrent(*readers, *queries, func(rng *rand.Rand) error {
		tg := targets[rng.IntN(len(targets))]
		_, _, err := tab.Area(e.ID, c.ID, actas.Reconciled, tg)
		return err
	})
	srv, err := web.New(web.Config{Store: store, Results: tab, Version: version})
	if err != nil {
		return err
	}
	h := srv.Handler()
	api := measureConcurrent(*readers, *queries, func(rng *rand.Rand) error {
		tg := targets[rng.IntN(len(targets))]
		req := httptest.NewRequest(http.MethodGet, "/api/v1/elections/"+url.PathEscape(e.ID)+"/results?area="+url.QueryEscape(actas.DisplayPath(tg)), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", req.URL, rec.Code, rec.Body.String())
		}
		return nil
	})
	fmt.Fprintf(out, "results of an area and its children, random areas of every level (%d areas), %d readers at once\n", len(targets), *readers)
	for _, m := range []struct {
		name string
		l    latencies
	}{{"in memory (tabulate)", inMemory}, {"API handler, JSON (in process)", api}} {
		if m.l.err != nil {
			return m.l.err
		}
		fmt.Fprintf(out, "  %-31s %d queries  p50 %s  p99 %s  max %s\n", m.name, len(m.l.d), m.l.q(0.50), m.l.q(0.99), m.l.q(1))
	}
	return nil
}

func readSheetsFile(path string, e *actas.Election, stations []actas.Station) ([]*actas.Submission, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheets, err := sheetio.ReadSheets(bufio.NewReaderSize(f, 1<<20), path, e, "", sheetio.NewIndex(stations).Station)
	if err != nil {
		return nil, err
	}
	subs := make([]*actas.Submission, len(sheets))
	backing := make([]actas.Submission, len(sheets))
	for i, s := range sheets {
		backing[i] = actas.Submission{Source: actas.Official, Sheet: *s}
		subs[i] = &backing[i]
	}
	return subs, nil
}

// benchTargets lists every area of the election, from national to the
// lowest level, so queries hit every level.
func benchTargets(tab *tabulate.Tabulator, e *actas.Election, contest string) ([]string, error) {
	targets := []string{""}
	for _, l := range e.Levels {
		areas, err := tab.Level(e.ID, contest, actas.Reconciled, l, "")
		if err != nil {
			return nil, err
		}
		for _, a := range areas {
			targets = append(targets, a.Path)
		}
	}
	return targets, nil
}

type latencies struct {
	d   []time.Duration
	err error
}

// q returns the p-quantile (nearest rank) of sorted latencies.
func (l latencies) q(p float64) time.Duration {
	if len(l.d) == 0 {
		return 0
	}
	i := int(p*float64(len(l.d))+0.5) - 1
	i = max(0, min(i, len(l.d)-1))
	return l.d[i].Round(time.Microsecond)
}

// measureConcurrent runs total calls of fn spread over readers goroutines
// and returns their sorted latencies.
func measureConcurrent(readers, total int, fn func(rng *rand.Rand) error) latencies {
	var wg sync.WaitGroup
	per := total / readers
	all := make([][]time.Duration, readers)
	errs := make([]error, readers)
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			d := make([]time.Duration, 0, per)
			for range per {
				t := time.Now()
				if err := fn(rng); err != nil {
					errs[r] = err
					return
				}
				d = append(d, time.Since(t))
			}
			all[r] = d
		}()
	}
	wg.Wait()
	var l latencies
	for r := range readers {
		if errs[r] != nil && l.err == nil {
			l.err = errs[r]
		}
		l.d = append(l.d, all[r]...)
	}
	slices.Sort(l.d)
	return l
}

// rssSampler records the peak resident set size of this process (Go heap
// and SQLite's own memory alike) by reading /proc/self/status.
type rssSampler struct {
	done chan struct{}
	peak chan int64
}

func startRSSSampler(every time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{}), peak: make(chan int64, 1)}
	go func() {
		var peak int64
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			peak = max(peak, readRSS())
			select {
			case <-s.done:
				s.peak <- max(peak, readRSS())
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() int64 {
	close(s.done)
	return <-s.peak
}

// readRSS returns VmRSS in bytes, or 0 where /proc is not available.
func readRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
