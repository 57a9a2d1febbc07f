package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/postgres"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/translog"
	"github.com/actasproject/actas/web"
)

// runBenchSubmit measures witnesses' submissions over HTTP on loopback:
// authenticated, durable (answered after their transaction commits with
// synchronous=FULL) and receipted (answered with an inclusion proof in a
// signed checkpoint), while readers load public pages. It runs the same
// load twice, without and with group commit, so that the figures are
// compared within one run on a shared machine.
func runBenchSubmit(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "bench submit", "[--stations N] [--clients C] [--duration D] [--readers R] [--dir DIR]",
		"Starts the real portal on loopback over a new SQLite store of a simulated election, with the\n"+
			"checkpoint signer, and for --duration sends witnesses' submissions from --clients connections\n"+
			"as fast as they are answered (each with a bearer token, a new idempotency key, and a random\n"+
			"station), while --readers load public pages (each pausing --think between pages). It reports\n"+
			"submissions answered per second with their receipt, their latency, and the pages' latency: first\n"+
			"with one transaction per submission, then with group commit (the default).")
	stations := flags.Int("stations", 20_000, "polling stations")
	clients := flags.Int("clients", 64, "concurrent submitting connections")
	readers := flags.Int("readers", 16, "concurrent readers of public pages")
	think := flags.Duration("think", 50*time.Millisecond, "pause of each reader between pages")
	duration := flags.Duration("duration", 10*time.Second, "how long each phase sends submissions")
	dir := flags.String("dir", "", "directory for the database (default: a temporary one, removed)")
	cpuprofile := flags.String("cpuprofile", "", "write a CPU profile of the group commit phase (with --postgres, of the phase of several instances) to this file")
	pgURL := flags.String("postgres", "", "a PostgreSQL database (postgres://…) to measure instead of SQLite: one instance, then --instances instances against it")
	instances := flags.Int("instances", 3, "with --postgres: the instances of the second phase")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *clients < 1 || *readers < 0 || *duration <= 0 {
		return &usageError{"bench submit: --clients must be at least 1, --readers at least 0, --duration positive"}
	}
	work, cleanup, err := benchDir(*dir, "actas-bench-submit-")
	if err != nil {
		return err
	}
	defer cleanup()
	out := env.Stdout
	ds, err := benchElection(out, "submit", *stations, 4, 4, 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d clients submitting for %s per phase, %d readers pausing %s\n\n", *clients, *duration, *readers, *think)
	if *pgURL != "" {
		return benchSubmitPostgres(ctx, env, *pgURL, ds, *instances, *clients, *readers, *think, *duration, *cpuprofile)
	}
	var phases []*submitPhase
	for _, batch := range []int{1, 0} {
		stop := func() {}
		if batch == 0 && *cpuprofile != "" {
			var err error
			if stop, err = startCPUProfile(*cpuprofile); err != nil {
				return err
			}
		}
		p, err := benchSubmitPhase(ctx, env, filepath.Join(work, fmt.Sprintf("batch-%d", batch)), ds, batch, *clients, *readers, *think, *duration)
		stop()
		if err != nil {
			return err
		}
		phases = append(phases, p)
		name := "group commit (up to 256 per transaction)"
		if batch == 1 {
			name = "one transaction per submission (baseline)"
		}
		fmt.Fprintf(out, "%s\n  %d submissions answered with their receipt, %.0f/s; %d without (202), %d failed\n"+
			"    latency p50 %s  p99 %s  max %s\n  %d public pages: p50 %s  p99 %s  max %s\n",
			name, len(p.subs.d), p.subs.perSecond, p.accepted, p.failed, p.subs.q(0.5), p.subs.q(0.99), p.subs.q(1),
			len(p.pages.d), p.pages.q(0.5), p.pages.q(0.99), p.pages.q(1))
		if p.firstErr != nil {
			fmt.Fprintf(out, "  first failure: %v\n", p.firstErr)
		}
	}
	if base := phases[0].subs.perSecond; base > 0 {
		fmt.Fprintf(out, "\ngroup commit: %.2f× the baseline's submissions per second\n", phases[1].subs.perSecond/base)
	}
	return nil
}

type submitPhase struct {
	subs, pages      latencies
	accepted, failed int64
	firstErr         error
}

// benchSubmitPhase runs one phase on a new SQLite store in dir.
func benchSubmitPhase(ctx context.Context, env *Env, dir string, ds *actas.Dataset, maxBatch, clients, readers int, think, duration time.Duration) (*submitPhase, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	dbPath := filepath.Join(dir, "submit.db")
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	key, _, err := ensureSigningKey(env, dbPath, dbPath+".key", "")
	if err != nil {
		return nil, err
	}
	return benchSubmitLoad(ctx, []actas.Store{store}, key, ds.Election, ds, maxBatch, clients, readers, think, duration)
}

// benchSubmitPostgres measures one instance, then several, against one
// PostgreSQL database, each phase on an election of its own.
func benchSubmitPostgres(ctx context.Context, env *Env, url string, ds *actas.Dataset, instances, clients, readers int, think, duration time.Duration, cpuprofile string) error {
	out := env.Stdout
	key, _, err := translog.GenerateKey(defaultKeyName)
	if err != nil {
		return err
	}
	sk, err := parseSigningKey(key, "a key made for the benchmark")
	if err != nil {
		return err
	}
	var rates []float64
	for _, n := range []int{1, instances} {
		stores := make([]actas.Store, n)
		for i := range stores {
			st, err := postgres.Open(ctx, url)
			if err != nil {
				return fmt.Errorf("open %s: %w", postgres.Redact(url), err)
			}
			defer st.Close()
			stores[i] = st
		}
		e := *ds.Election
		e.ID = fmt.Sprintf("%s-%d-%d", e.ID, n, time.Now().UnixNano())
		stop := func() {}
		if n == instances && cpuprofile != "" {
			if stop, err = startCPUProfile(cpuprofile); err != nil {
				return err
			}
		}
		p, err := benchSubmitLoad(ctx, stores, sk, &e, ds, 0, clients, readers, think, duration)
		stop()
		if err != nil {
			return err
		}
		rates = append(rates, p.subs.perSecond)
		fmt.Fprintf(out, "PostgreSQL, %d instance(s), group commit\n  %d submissions answered with their receipt, %.0f/s; %d without (202), %d failed\n"+
			"    latency p50 %s  p99 %s  max %s\n  %d public pages: p50 %s  p99 %s  max %s\n",
			n, len(p.subs.d), p.subs.perSecond, p.accepted, p.failed, p.subs.q(0.5), p.subs.q(0.99), p.subs.q(1),
			len(p.pages.d), p.pages.q(0.5), p.pages.q(0.99), p.pages.q(1))
		if p.firstErr != nil {
			fmt.Fprintf(out, "  first failure: %v\n", p.firstErr)
		}
	}
	if rates[0] > 0 {
		fmt.Fprintf(out, "\n%d instances: %.2f× one instance's submissions per second\n", instances, rates[1]/rates[0])
	}
	return nil
}

// benchSubmitLoad creates the election in stores[0], serves it from one
// portal per store (instances sharing the database), sends the load
// spread over them, and measures it.
func benchSubmitLoad(ctx context.Context, stores []actas.Store, key *signingKey, e *actas.Election, ds *actas.Dataset, maxBatch, clients, readers int, think, duration time.Duration) (*submitPhase, error) {
	store := stores[0]
	if err := store.CreateElection(ctx, e, ds.Stations); err != nil {
		return nil, err
	}
	// One admin account per client, each with its own token.
	tokens := make([]string, clients)
	for i := range tokens {
		a := &actas.Account{Election: e.ID, Name: fmt.Sprintf("bench %d", i), Contact: fmt.Sprintf("bench%d@example.org", i), Role: actas.RoleAdmin}
		if err := store.CreateAccount(ctx, a); err != nil {
			return nil, err
		}
		var err error
		if tokens[i], err = store.IssueToken(ctx, a.ID, "bench"); err != nil {
			return nil, err
		}
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	urls := make([]string, len(stores))
	for i, st := range stores {
		tab := tabulate.New(tabulate.DefaultRules())
		if err := tab.AddElection(e, ds.Stations); err != nil {
			return nil, err
		}
		sg := newSigner()
		go sg.run(bctx, logger, st, key, 2*time.Second)
		go follow(bctx, logger, st, tab, 500*time.Millisecond)
		srv, err := web.New(web.Config{Store: st, Results: tab, Logger: logger, Version: version, LogKey: key.vkey,
			Nudge: sg.Nudge, MaxBatch: maxBatch, WriteRate: -1}) // each client sends far more than a witness: no per-account limit
		if err != nil {
			return nil, err
		}
		sg.onKept(srv.CheckpointKept)
		sg.onSigned(srv.CheckpointSigned)
		if urls[i], err = srv.Listen("127.0.0.1:0"); err != nil {
			return nil, err
		}
		go srv.Serve()
		defer srv.Close()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients + readers, MaxConnsPerHost: clients + readers}, Timeout: time.Minute}

	c := &e.Contests[0]
	pages := []string{"/e/" + e.ID}
	for _, st := range ds.Stations[:min(len(ds.Stations), 200)] {
		pages = append(pages, "/e/"+e.ID+"/s/"+st.Code)
	}
	p := &submitPhase{}
	var mu sync.Mutex
	fail := func(err error) {
		atomic.AddInt64(&p.failed, 1)
		mu.Lock()
		if p.firstErr == nil {
			p.firstErr = err
		}
		mu.Unlock()
	}
	// The request bodies are written by hand into one buffer per client, from
	// names quoted once: the load generator shares the machine with the
	// server, and what it spends is not spent serving.
	codes := make([][]byte, len(ds.Stations))
	for k, st := range ds.Stations {
		codes[k], _ = json.Marshal(st.Code)
	}
	var choices [][]byte
	for _, ch := range c.Choices {
		q, _ := json.Marshal(ch.ID)
		choices = append(choices, q)
	}
	contest, _ := json.Marshal(c.ID)
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	subLat := make([][]time.Duration, clients)
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			url := urls[i%len(urls)] + "/api/v1/elections/" + e.ID + "/submissions"
			header := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + tokens[i]}}
			var body []byte
			var answer bytes.Buffer
			for n := 0; time.Now().Before(deadline); n++ {
				body = append(body[:0], `{"station":`...)
				body = append(body, codes[rng.IntN(len(codes))]...)
				body = append(body, `,"contest":`...)
				body = append(body, contest...)
				body = append(body, `,"votes":{`...)
				var valid int64
				for k, ch := range choices {
					if k > 0 {
						body = append(body, ',')
					}
					v := rng.Int64N(200)
					valid += v
					body = append(append(body, ch...), ':')
					body = strconv.AppendInt(body, v, 10)
				}
				body = append(body, `},"blank":1,"null":1,"ballots":`...)
				body = strconv.AppendInt(body, valid+2, 10)
				body = append(body, `,"idempotency_key":"c`...)
				body = strconv.AppendInt(body, int64(i), 10)
				body = append(body, '-')
				body = strconv.AppendInt(body, int64(n), 10)
				body = append(body, `"}`...)
				req, _ := http.NewRequestWithContext(bctx, http.MethodPost, url, bytes.NewReader(body))
				req.Header = header // only read by the client
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fail(err)
					continue
				}
				answer.Reset()
				_, err = answer.ReadFrom(resp.Body) // drained, so the connection is kept
				resp.Body.Close()
				switch {
				case err != nil:
					fail(err)
				case resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK:
					subLat[i] = append(subLat[i], time.Since(t0))
				case resp.StatusCode == http.StatusAccepted:
					atomic.AddInt64(&p.accepted, 1)
				default:
					fail(fmt.Errorf("status %d: %s", resp.StatusCode, answer.Bytes()))
				}
			}
		})
	}
	pageLat := make([][]time.Duration, readers)
	for i := range readers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 13))
			for time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Get(urls[i%len(urls)] + pages[rng.IntN(len(pages))])
				if err != nil {
					fail(err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					fail(fmt.Errorf("page: status %d", resp.StatusCode))
					continue
				}
				pageLat[i] = append(pageLat[i], time.Since(t0))
				time.Sleep(think)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	p.subs = sortedLatencies(subLat, elapsed)
	p.pages = sortedLatencies(pageLat, elapsed)
	return p, nil
}

func sortedLatencies(parts [][]time.Duration, elapsed time.Duration) latencies {
	var l latencies
	for _, d := range parts {
		l.d = append(l.d, d...)
	}
	slices.Sort(l.d)
	l.perSecond = float64(len(l.d)) / elapsed.Seconds()
	return l
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
