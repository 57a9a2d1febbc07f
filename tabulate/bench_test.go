package tabulate_test

import (
	"flag"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// benchStations sizes the synthetic election of the benchmarks. The target
// is one election of 1,050,000 stations:
//
//	go test ./tabulate -run '^$' -bench . -benchtime 1x -args -stations 1050000
var benchStations = flag.Int("stations", 10_000, "stations in the benchmarks' synthetic election (the target is 1050000)")

// syntheticElection returns an election of n stations over five levels
// shaped like a large country's: 5 stations per center, 6 centers per
// parish, 6 parishes per municipality, 8 municipalities per district and
// 23 districts per state (32 states at 1,050,000 stations, about 250,000
// areas), 12 choices. Station codes are not in creation order.
func syntheticElection(n int) (*actas.Election, []actas.Station) {
	e := &actas.Election{
		ID: "synthetic", Name: "Synthetic general election", Open: "07:00", Close: "18:00",
		Levels: []string{"state", "district", "municipality", "parish", "center"},
	}
	c := actas.Contest{ID: "president", Name: "President"}
	for k := range 12 {
		c.Choices = append(c.Choices, actas.Choice{ID: fmt.Sprintf("c%02d", k), Name: fmt.Sprintf("Candidate %d", k)})
	}
	e.Contests = []actas.Contest{c}
	stations := make([]actas.Station, n)
	var area string
	for i := range stations {
		center := i / 5
		if i%5 == 0 {
			parish := center / 6
			muni := parish / 6
			district := muni / 8
			parishName := fmt.Sprintf("Parroquia %d", parish)
			if parish%7 == 0 {
				parishName = fmt.Sprintf("Parroquia Chiquinquirá %d", parish)
			}
			area = actas.JoinPath(fmt.Sprintf("Estado %d", district/23), fmt.Sprintf("Distrito %d", district),
				fmt.Sprintf("Municipio %d", muni), parishName, fmt.Sprintf("Centro %d", center))
		}
		stations[i] = actas.Station{
			Code: fmt.Sprintf("%07d.%d", (center*7919)%1_000_003, i%5+1), Area: area,
			Registered: int64(300 + i%400), Machines: 1,
		}
	}
	return e, stations
}

// syntheticSheet fills sub with source src's sheet for station i; one in
// ten official sheets differs from the witness's.
func syntheticSheet(sub *actas.Submission, code string, i int, src actas.Source) {
	sub.Source = src
	sub.Sheet.Station = code
	var valid int64
	for k := range sub.Sheet.Votes {
		v := int64((i*(k+3) + k*k) % (40 - 3*k))
		if src == actas.Official && i%10 == 0 && k == 1 {
			v += 25
		}
		sub.Sheet.Votes[k] = v
		valid += v
	}
	sub.Sheet.Blank, sub.Sheet.Null = int64(i%3), int64(i%5)
	sub.Sheet.Ballots = valid + sub.Sheet.Blank + sub.Sheet.Null
	sub.Sheet.Voters = sub.Sheet.Ballots
}

// addSynthetic adds one sheet per station for each source.
func addSynthetic(tb testing.TB, tab *tabulate.Tabulator, codes []string, srcs ...actas.Source) {
	tb.Helper()
	sub := &actas.Submission{Election: "synthetic", Sheet: actas.Sheet{Contest: "president", Votes: make([]int64, 12)}}
	for _, src := range srcs {
		for i, code := range codes {
			sub.Seq++
			syntheticSheet(sub, code, i, src)
			if err := tab.Add(sub); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// cpuSeconds is the CPU time the process has used: on a shared machine it
// says more than the wall clock about what the code costs.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func BenchmarkAddElection(b *testing.B) {
	e, stations := syntheticElection(*benchStations)
	b.ReportAllocs()
	cpu, n := 0.0, 0
	for b.Loop() {
		start := cpuSeconds()
		tab := tabulate.New(tabulate.DefaultRules())
		if err := tab.AddElection(e, stations); err != nil {
			b.Fatal(err)
		}
		cpu += cpuSeconds() - start
		n++
	}
	b.ReportMetric(cpu/float64(n), "cpu-s/op")
	b.ReportMetric(float64(*benchStations), "stations")
}

// BenchmarkAdd adds one sheet per station and source to a fresh
// tabulation. heap-MiB is what the tabulation holds afterwards (the
// election's own strings included; the test's list of codes excluded).
func BenchmarkAdd(b *testing.B) {
	for _, srcs := range [][]actas.Source{{actas.Witness}, {actas.Witness, actas.Official}} {
		b.Run(fmt.Sprintf("sources=%d", len(srcs)), func(b *testing.B) {
			n := *benchStations
			codes := make([]string, n)
			newTab := func() *tabulate.Tabulator {
				e, stations := syntheticElection(n)
				for i := range stations {
					codes[i] = stations[i].Code
				}
				return MustTabulator(b, tabulate.DefaultRules(), e, stations)
			}
			var tab *tabulate.Tabulator
			cpu := 0.0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				tab = nil
				tab = newTab()
				b.StartTimer()
				start := cpuSeconds()
				addSynthetic(b, tab, codes, srcs...)
				cpu += cpuSeconds() - start
			}
			b.StopTimer()
			b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(n*len(srcs))*float64(b.N)/b.Elapsed().Seconds(), "subs/s")
			b.ReportMetric(heapMiB()-float64(16*n)/(1<<20), "heap-MiB")
			runtime.KeepAlive(tab)
		})
	}
}

var (
	benchTabOnce sync.Once
	benchTab     *tabulate.Tabulator
	benchCodes   []string
)

// syntheticTabulator is the benchmarks' shared election with witness and
// official sheets for every station.
func syntheticTabulator(b *testing.B) (*tabulate.Tabulator, []string) {
	b.Helper()
	benchTabOnce.Do(func() {
		e, stations := syntheticElection(*benchStations)
		benchTab = MustTabulator(b, tabulate.DefaultRules(), e, stations)
		for _, s := range stations {
			benchCodes = append(benchCodes, s.Code)
		}
		addSynthetic(b, benchTab, benchCodes, actas.Witness, actas.Official)
	})
	return benchTab, benchCodes
}

func BenchmarkArea(b *testing.B) {
	tab, _ := syntheticTabulator(b)
	for _, tc := range []struct{ name, path string }{
		{"national", ""},
		{"state", "Estado 0"},
		{"district", "Estado 0/Distrito 0"},
		{"center", "Estado 0/Distrito 0/Municipio 0/Parroquia Chiquinquirá 0/Centro 0"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var children int
			b.ReportAllocs()
			for b.Loop() {
				_, ch, err := tab.Area("synthetic", "president", actas.Reconciled, tc.path)
				if err != nil {
					b.Fatal(err)
				}
				children = len(ch)
			}
			b.ReportMetric(float64(children), "children")
		})
	}
}

func BenchmarkStation(b *testing.B) {
	tab, codes := syntheticTabulator(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := tab.Station("synthetic", "president", codes[i%len(codes)]); err != nil {
			b.Fatal(err)
		}
		i += 7919
	}
}

func BenchmarkSearch(b *testing.B) {
	tab, codes := syntheticTabulator(b)
	for _, tc := range []struct{ name, query string }{
		{"area name without accent", "chiquinquira 7"},
		{"common word", "parroquia"},
		{"station code", codes[len(codes)/2][:6]},
		{"exact station code", codes[len(codes)/3]},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var hits int
			b.ReportAllocs()
			for b.Loop() {
				h, err := tab.Search("synthetic", tc.query, 20)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(h)
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
}
