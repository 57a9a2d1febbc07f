package opendata_test

import (
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/actasproject/actas/opendata"
)

// BenchmarkExport writes each format for a simulated election of
// ACTAS_BENCH_STATIONS stations (default 20,000); b.N counts whole files.
func BenchmarkExport(b *testing.B) {
	n := 20_000
	if s := os.Getenv("ACTAS_BENCH_STATIONS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("ACTAS_BENCH_STATIONS=%q is not a positive number", s)
		}
		n = v
	}
	ds := MustSimulate(b, n, 1)
	tab := MustTabulate(b, ds)
	for _, f := range opendata.Formats {
		b.Run(string(f), func(b *testing.B) {
			var cw countWriter
			b.ReportAllocs()
			for b.Loop() {
				if err := opendata.Write(&cw, f, ds.Election, tab, opendata.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cw.n)/float64(b.N)/1e6, "MB/file")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "stations/s")
		})
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
