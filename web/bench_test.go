package web

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// Benchmarks read the election size from ACTAS_BENCH_STATIONS (default
// 2,000): ACTAS_BENCH_STATIONS=1050000 measures the DESIGN.md target.
func benchStations(b *testing.B) int {
	if v := os.Getenv("ACTAS_BENCH_STATIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 {
			b.Fatalf("ACTAS_BENCH_STATIONS=%q is not a station count", v)
		}
		return n
	}
	return 2000
}

var (
	benchOnce sync.Once
	benchFix  *fixture
)

// benchFixture builds one simulated election for all benchmarks of a run:
// a million stations take minutes to store.
func benchFixture(b *testing.B) *fixture {
	benchOnce.Do(func() { benchFix = MustSimulate(&onceTB{b}, benchStations(b), 1) })
	if benchFix == nil {
		b.Fatal("fixture failed")
	}
	return benchFix
}

// onceTB lets the shared fixture outlive the benchmark that built it: its
// temporary directories and cleanups are the process's, run by TestMain
// once every test and benchmark is done.
type onceTB struct{ *testing.B }

var (
	processMu       sync.Mutex
	processCleanups []func() // run last first
)

func (o *onceTB) TempDir() string {
	d, err := os.MkdirTemp("", "actas-web-bench-")
	if err != nil {
		o.B.Fatal(err)
	}
	o.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func (o *onceTB) Cleanup(fn func()) {
	processMu.Lock()
	defer processMu.Unlock()
	processCleanups = append(processCleanups, fn)
}

func TestMain(m *testing.M) {
	code := m.Run()
	processMu.Lock()
	for i := len(processCleanups) - 1; i >= 0; i-- {
		processCleanups[i]()
	}
	processMu.Unlock()
	os.Exit(code)
}

// discard is a ResponseWriter that keeps only the status, so benchmarks
// measure the handler rather than a recorder's copies.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(s int)           { d.status = s }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// unversioned hides the tabulation's version, so that every request
// renders: the cost of a page the cache does not hold.
type unversioned struct{ actas.ResultService }

// benchGet measures one URL under parallel load, served from the cache
// (what most readers get on election night) and rendered each time (the
// first reader after every change, and rarely visited pages).
func benchGet(b *testing.B, f *fixture, target string) {
	rendered, err := New(Config{Store: f.Store, Results: unversioned{f.Tab}, Logger: f.Server.log})
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		h    http.Handler
	}{{"cached", f.Handler}, {"rendered", rendered.Handler()}} {
		b.Run(mode.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			w := &discard{h: http.Header{}}
			mode.h.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Fatalf("GET %s: status %d", target, w.status)
			}
			b.SetBytes(int64(w.n))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := &discard{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					mode.h.ServeHTTP(w, req.Clone(req.Context()))
				}
			})
		})
	}
}

func BenchmarkOverviewPage(b *testing.B) {
	f := benchFixture(b)
	benchGet(b, f, electionURL(f.Election.ID))
}

func BenchmarkAreaPage(b *testing.B) {
	f := benchFixture(b)
	// A second-level area: a child table and every view's summary.
	_, states := f.mustArea(b, f.contest(), actas.Reconciled, "")
	_, muns := f.mustArea(b, f.contest(), actas.Reconciled, states[0].Path)
	benchGet(b, f, areaURL(f.Election.ID, muns[0].Path))
}

func BenchmarkLowestAreaPage(b *testing.B) {
	f := benchFixture(b)
	as, err := f.Tab.Level(f.Election.ID, f.contest(), actas.Reconciled, f.Election.Levels[len(f.Election.Levels)-1], "")
	if err != nil {
		b.Fatal(err)
	}
	benchGet(b, f, areaURL(f.Election.ID, as[len(as)/2].Path))
}

func BenchmarkStationPage(b *testing.B) {
	f := benchFixture(b)
	benchGet(b, f, stationURL(f.Election.ID, f.Stations[len(f.Stations)/2].Code))
}

func BenchmarkAPIResults(b *testing.B) {
	f := benchFixture(b)
	benchGet(b, f, "/api/v1/elections/"+f.Election.ID+"/results")
}

func BenchmarkSearchPage(b *testing.B) {
	f := benchFixture(b)
	benchGet(b, f, searchURL(f.Election.ID)+"?q=san")
}

// BenchmarkReaders runs 200 concurrent readers against the server over
// loopback HTTP, each reading a mix of pages (the overview, state pages,
// stations spread over the election, the results API), and reports the
// latency percentiles the DESIGN.md target names (p99 < 10 ms).
// "closed" readers send their next request as soon as the last is answered,
// which on a 2-core machine measures the HTTP stack of client and server
// together; "paced" readers read a page every 100 ms (2,000 requests/s).
func BenchmarkReaders(b *testing.B) {
	f := benchFixture(b)
	e := f.Election
	base := strings.TrimSuffix(mustServeOnce(b, f), "/")
	_, states := f.mustArea(b, f.contest(), actas.Reconciled, "")
	var urls []string
	urls = append(urls, electionURL(e.ID), "/api/v1/elections/"+e.ID+"/results")
	for _, s := range states {
		urls = append(urls, areaURL(e.ID, s.Path))
	}
	for i := 0; i < 1000; i++ {
		urls = append(urls, stationURL(e.ID, f.Stations[(i*7919)%len(f.Stations)].Code))
	}
	const readers = 200
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: readers, MaxConnsPerHost: readers}}
	for _, mode := range []struct {
		name  string
		pause time.Duration
	}{{"closed", 0}, {"paced", 100 * time.Millisecond}} {
		b.Run(mode.name, func(b *testing.B) {
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for r := 0; r < readers; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Spread the paced readers over the interval.
					time.Sleep(mode.pause * time.Duration(r) / readers)
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						start := time.Now()
						u := urls[int(i*31)%len(urls)]
						resp, err := client.Get(base + u)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						lat[i] = time.Since(start)
						if resp.StatusCode != http.StatusOK {
							b.Errorf("GET %s: %d", u, resp.StatusCode)
							return
						}
						if d := mode.pause - lat[i]; d > 0 {
							time.Sleep(d)
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

var (
	serveOnce sync.Once
	serveURL  string
)

func mustServeOnce(b *testing.B, f *fixture) string {
	serveOnce.Do(func() {
		u, err := f.Server.Listen("127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go f.Server.Serve()
		serveURL = u
	})
	return serveURL
}

// BenchmarkLogProofs serves inclusion and consistency proofs of random
// entries of the whole log through the handler, one after another, and
// reports their latency percentiles (DESIGN.md: p99 < 1 ms).
func BenchmarkLogProofs(b *testing.B) {
	f := benchFixture(b)
	id := f.Election.ID
	size, err := f.Store.LogSize(b.Context(), id)
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []struct {
		name   string
		target func(rng *rand.Rand) string
	}{
		{"inclusion", func(rng *rand.Rand) string {
			return fmt.Sprintf("/log/%s/proof/inclusion?index=%d&size=%d", id, rng.Int64N(size), size)
		}},
		{"consistency", func(rng *rand.Rand) string {
			return fmt.Sprintf("/log/%s/proof/consistency?from=%d&size=%d", id, 1+rng.Int64N(size), size)
		}},
	} {
		b.Run(kind.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			lat := make([]time.Duration, 0, b.N)
			w := &discard{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest(http.MethodGet, kind.target(rng), nil)
				clear(w.h)
				start := time.Now()
				f.Handler.ServeHTTP(w, req)
				lat = append(lat, time.Since(start))
				if w.status != http.StatusOK {
					b.Fatalf("GET %s: %d", req.URL, w.status)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e3 }
			b.ReportMetric(q(0.50), "p50-µs")
			b.ReportMetric(q(0.99), "p99-µs")
			b.ReportMetric(float64(size), "entries")
		})
	}
}
