package simulate_test

import (
	"os"
	"testing"

	"github.com/actasproject/actas/simulate"
)

// BenchmarkRun simulates the demo's election; set ACTAS_BENCH_LARGE=1 to add
// the scale target: 1,050,000 stations, 5 levels, 12 choices.
func BenchmarkRun(b *testing.B) {
	cases := []struct {
		name string
		cfg  simulate.Config
	}{
		{"30000 stations", simulate.Config{Stations: 30000, Seed: 1, Fraud: []simulate.Fraud{{Model: simulate.Incremental}}}},
	}
	if os.Getenv("ACTAS_BENCH_LARGE") != "" {
		cases = append(cases, struct {
			name string
			cfg  simulate.Config
		}{"1050000 stations 5 levels 12 choices", simulate.Config{Stations: 1_050_000, Levels: 5, Choices: 12, Seed: 1,
			Fraud: []simulate.Fraud{{Model: simulate.Incremental}, {Model: simulate.Extreme}}}})
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := simulate.Run(tc.cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tc.cfg.Stations), "ns/station")
		})
	}
}
