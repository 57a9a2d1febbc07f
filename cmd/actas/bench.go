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
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/web"
)

func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "log" {
		return runBenchLog(ctx, env, args[1:])
	}
	if len(args) > 0 && args[0] == "submit" {
		return runBenchSubmit(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(env.Stderr, "Usage: actas bench import|log|submit [flags]   (actas bench import -h, …)")
		if len(args) == 0 {
			return &usageError{"bench: name what to measure: import, log or submit"}
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
	roundsN := flags.Int("rounds", 3, "import rounds (figures are their medians)")
	think := flags.Duration("think", 100*time.Millisecond, "pause of each reader between API calls (a reader reading the page)")
	cpuprofile := flags.String("cpuprofile", "", "write a CPU profile of the actas import to this file")
	memprofile := flags.String("memprofile", "", "write a heap profile taken at the end of the actas import to this file")
	err := parseNoArgs(flags, args[1:])
	if err != nil {
		return err
	}
	if *readers < 1 || *queries < *readers || *roundsN < 1 {
		return &usageError{"bench import: --rounds and --readers must be at least 1, and --queries at least --readers"}
	}
	work, cleanup, err := benchDir(*dir, "actas-bench-")
	if err != nil {
		return err
	}
	defer cleanup()
	out := env.Stdout

	// Prepare the files (not timed).
	t0 := time.Now()
	ds, err := benchElection(out, "import", *stations, *levels, *choices, *seed)
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

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var rounds []importRound
	var last *importRound
	for r := range *roundsN {
		// Each round imports into new files: the actas import first, so
		// that its memory is measured from a clean start, then the baseline.
		if last != nil {
			// Only the last round's store and tabulation are kept, for the
			// queries: the others would weigh on the next round's memory.
			last.db.Close()
			last.db, last.tab = nil, nil
		}
		round, err := benchImportRound(ctx, work, r, electionPath, stationsPath, sheetsPath)
		if err != nil {
			return err
		}
		rounds = append(rounds, *round)
		last = &rounds[len(rounds)-1]
		fmt.Fprintf(out, "round %d: actas %.2f s, baseline %.2f s, ratio %.2f\n", r+1, round.total.Seconds(), round.baseline.Seconds(), round.total.Seconds()/round.baseline.Seconds())
	}
	pprof.StopCPUProfile()
	defer last.db.Close()
	if *memprofile != "" {
		if err := writeHeapProfile(*memprofile); err != nil {
			return err
		}
	}
	med := func(f func(r *importRound) float64) float64 {
		v := make([]float64, len(rounds))
		for i := range rounds {
			v[i] = f(&rounds[i])
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	n := last.sheets
	baseline := med(func(r *importRound) float64 { return r.baseline.Seconds() })
	total := med(func(r *importRound) float64 { return r.total.Seconds() })
	storeT := med(func(r *importRound) float64 { return r.submit.Seconds() })
	ratio := med(func(r *importRound) float64 { return r.total.Seconds() / r.baseline.Seconds() })
	storeRatio := med(func(r *importRound) float64 { return r.submit.Seconds() / r.baseline.Seconds() })
	rate := func(sec float64) string { return fmt.Sprintf("%.0f sheets/s", float64(n)/sec) }
	fmt.Fprintf(out, "\nimport of %d sheets (%d flagged), median of %d rounds\n", n, last.flagged, len(rounds))
	fmt.Fprintf(out, "  baseline: plain batched SQLite insert        %6.2f s  %s\n", baseline, rate(baseline))
	fmt.Fprintf(out, "  actas: read CSV + check + store + tabulate   %6.2f s  %s   ratio to baseline %.2f\n", total, rate(total), ratio)
	fmt.Fprintf(out, "    read CSV %.2f s, check + store %.2f s (ratio %.2f), tabulate %.2f s\n",
		med(func(r *importRound) float64 { return r.parse.Seconds() }), storeT, storeRatio, med(func(r *importRound) float64 { return r.tabulate.Seconds() }))
	fmt.Fprintf(out, "  creating the election (%d stations, store + tabulation) %.2f s\n", last.stations, med(func(r *importRound) float64 { return r.init.Seconds() }))
	fmt.Fprintf(out, "  stations and sheets together %.2f s\n", med(func(r *importRound) float64 { return (r.init + r.total).Seconds() }))
	fmt.Fprintf(out, "  peak resident memory while creating and importing: %.0f MiB\n\n", med(func(r *importRound) float64 { return float64(r.peakRSS) })/(1<<20))
	store, tab, e := last.db, last.tab, last.election

	// Queries, with readers querying at once.
	targets, err := benchTargets(tab, e, c.ID)
	if err != nil {
		return err
	}
	query := func(rng *rand.Rand) error {
		tg := targets[rng.IntN(len(targets))]
		_, _, err := tab.Area(e.ID, c.ID, actas.Reconciled, tg)
		return err
	}
	srv, err := web.New(web.Config{Store: store, Results: tab, Version: version})
	if err != nil {
		return err
	}
	h := srv.Handler()
	call := func(rng *rand.Rand) error {
		tg := targets[rng.IntN(len(targets))]
		req := httptest.NewRequest(http.MethodGet, "/api/v1/elections/"+url.PathEscape(e.ID)+"/results?area="+url.QueryEscape(actas.DisplayPath(tg)), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("GET %s: %d %s", req.URL, rec.Code, rec.Body.String())
		}
		return nil
	}
	fmt.Fprintf(out, "results of an area and its children, random areas of every level (%d areas), %d readers at once\n", len(targets), *readers)
	for _, m := range []struct {
		name  string
		think time.Duration
		fn    func(rng *rand.Rand) error
	}{
		{"in memory (tabulate)", 0, query},
		{"API handler, JSON, in process, each reader pausing " + think.String(), *think, call},
		{"API handler, JSON, in process, no pause", 0, call},
	} {
		l := measureConcurrent(*readers, *queries, m.think, m.fn)
		if l.err != nil {
			return l.err
		}
		fmt.Fprintf(out, "  %s\n    %d queries, %.0f/s: p50 %s  p99 %s  max %s\n", m.name, len(l.d), l.perSecond, l.q(0.50), l.q(0.99), l.q(1))
	}
	return nil
}

// importRound is what one round of the import benchmark measured.
type importRound struct {
	init, parse, submit, tabulate, total, baseline time.Duration
	peakRSS                                        int64
	sheets, stations, flagged                      int

	// The round's store and tabulation, for the query benchmark.
	db       actas.Store
	tab      *tabulate.Tabulator
	election *actas.Election
}

// benchImportRound creates the election and imports the sheets file into a
// new store, as `actas init` and `actas import` do, tabulating them; then
// inserts the same sheets with the baseline.
func benchImportRound(ctx context.Context, work string, round int, electionPath, stationsPath, sheetsPath string) (*importRound, error) {
	settle()
	r := &importRound{}
	mem := startRSSSampler(50 * time.Millisecond)
	t0 := time.Now()
	store, err := sqlite.Open(ctx, filepath.Join(work, fmt.Sprintf("actas-%d.db", round)))
	if err != nil {
		return nil, err
	}
	r.db = store
	fail := func(err error) (*importRound, error) {
		store.Close()
		mem.stop()
		return nil, err
	}
	e, err := readElectionFile(electionPath)
	if err != nil {
		return fail(err)
	}
	stList, err := readStationsFile(stationsPath, e.Levels)
	if err != nil {
		return fail(err)
	}
	if err := store.CreateElection(ctx, e, stList); err != nil {
		return fail(err)
	}
	tab := tabulate.New(tabulate.DefaultRules())
	if err := tab.AddElection(e, stList); err != nil {
		return fail(err)
	}
	idx := sheetio.NewIndex(stList)
	r.init = time.Since(t0)

	t0 = time.Now()
	subs, err := readSheetsFile(sheetsPath, e, idx)
	if err != nil {
		return fail(err)
	}
	r.parse = time.Since(t0)
	t1 := time.Now()
	rep, flagged, err := submitSheets(ctx, store, nil, e, subs, "bench", nil)
	if err != nil {
		return fail(err)
	}
	r.submit = time.Since(t1)
	t1 = time.Now()
	for _, s := range subs {
		if err := tab.Add(s); err != nil {
			return fail(err)
		}
	}
	r.tabulate = time.Since(t1)
	r.total = time.Since(t0)
	r.peakRSS = mem.stop()
	if rep.New != len(subs) {
		return fail(actas.Errorf(actas.EINTERNAL, "bench: stored %s, want %d new", rep, len(subs)))
	}
	r.sheets, r.stations, r.flagged = len(subs), len(stList), flagged
	r.tab, r.election = tab, e

	settle()
	t0 = time.Now()
	if err := sqlite.PlainInsert(ctx, filepath.Join(work, fmt.Sprintf("baseline-%d.db", round)), subs); err != nil {
		return fail(fmt.Errorf("baseline: %w", err))
	}
	r.baseline = time.Since(t0)
	return r, nil
}

// settle starts a timed phase from the same state every time: the file
// data of earlier phases written to disk (else their writeback competes with
// the phase's own fsync), and the heap collected.
func settle() {
	syscall.Sync()
	runtime.GC()
	debug.FreeOSMemory()
}

func readSheetsFile(path string, e *actas.Election, idx *sheetio.Index) ([]*actas.Submission, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readSubmissions(bufio.NewReaderSize(f, 1<<20), path, e, "", idx, actas.Official)
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
	d         []time.Duration
	perSecond float64
	err       error
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

// measureConcurrent runs total calls of fn spread over readers goroutines,
// each pausing think between its calls (0: none, a closed loop), and
// returns their sorted latencies and the calls per second achieved.
func measureConcurrent(readers, total int, think time.Duration, fn func(rng *rand.Rand) error) latencies {
	var wg sync.WaitGroup
	per := total / readers
	all := make([][]time.Duration, readers)
	errs := make([]error, readers)
	start := time.Now()
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			d := make([]time.Duration, 0, per)
			// Readers start spread over one pause, not all at once.
			if think > 0 {
				time.Sleep(time.Duration(rng.Int64N(int64(think))))
			}
			for range per {
				t := time.Now()
				if err := fn(rng); err != nil {
					errs[r] = err
					return
				}
				d = append(d, time.Since(t))
				if think > 0 {
					time.Sleep(think)
				}
			}
			all[r] = d
		}()
	}
	wg.Wait()
	l := latencies{perSecond: float64(per*readers) / time.Since(start).Seconds()}
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

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC() // the profile shows what is live, not garbage
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// benchDir returns the directory a benchmark works in: dir, created if
// needed, or a temporary one that cleanup removes.
func benchDir(dir, prefix string) (work string, cleanup func(), err error) {
	if dir == "" {
		if work, err = os.MkdirTemp("", prefix); err != nil {
			return "", nil, err
		}
		return work, func() { os.RemoveAll(work) }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	return dir, func() {}, nil
}

// benchElection says what benchmark name measures on what, and simulates
// its election: one official sheet per station, no witnesses or snapshots.
func benchElection(out io.Writer, name string, stations, levels, choices int, seed uint64) (*actas.Dataset, error) {
	fmt.Fprintf(out, "actas bench %s: %d stations, %d levels, %d choices, seed %d; %s, %d CPUs\n",
		name, stations, levels, choices, seed, runtime.Version(), runtime.NumCPU())
	ds, _, err := simulate.Run(simulate.Config{Stations: stations, Levels: levels, Choices: choices, Seed: seed,
		WitnessCoverage: -1, StationSample: -1})
	return ds, err
}
