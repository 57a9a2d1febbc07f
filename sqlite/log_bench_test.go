package sqlite_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/actasproject/actas/storetest"
	"github.com/actasproject/actas/translog"
)

// BenchmarkLog serves the log of the scale election (one entry per sheet):
// go test ./sqlite -run '^$' -bench Log -benchtime 1x -args -sheets 1050000
// An operation of the proof benchmarks is proofsPerOp proofs of random
// entries or sizes; they report the mean and the 99th percentile of one
// proof's time.
func BenchmarkLog(b *testing.B) {
	e, stations, subs := storetest.ScaleElection(*benchSheets)
	db := mustScaleStore(b, e, stations, subs)
	ctx := context.Background()
	size, err := db.LogSize(ctx, e.ID)
	if err != nil {
		b.Fatal(err)
	}
	hashes := storetest.HashReader(ctx, db, e.ID)
	root, err := translog.TreeHash(size, hashes)
	if err != nil {
		b.Fatal(err)
	}
	const proofsPerOp = 2000
	report := func(b *testing.B, times []time.Duration) {
		var sum time.Duration
		for _, d := range times {
			sum += d
		}
		slices.Sort(times)
		b.ReportMetric(float64(sum.Microseconds())/float64(len(times))/1000, "mean-ms")
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(0, "ns/op")
	}

	b.Run("InclusionProof", func(b *testing.B) {
		rnd := rand.New(rand.NewPCG(1, 2))
		times := make([]time.Duration, 0, b.N*proofsPerOp)
		for i := 0; i < b.N*proofsPerOp; i++ {
			n := rnd.Int64N(size)
			start := time.Now()
			if _, err := translog.ProveInclusion(size, n, hashes); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		report(b, times)
	})

	b.Run("ConsistencyProof", func(b *testing.B) {
		rnd := rand.New(rand.NewPCG(3, 4))
		times := make([]time.Duration, 0, b.N*proofsPerOp)
		for i := 0; i < b.N*proofsPerOp; i++ {
			m := 1 + rnd.Int64N(size)
			start := time.Now()
			if _, err := translog.ProveConsistency(size, m, hashes); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		report(b, times)
	})

	// Reading every entry back, and recounting the root from them as
	// `actas log verify` does.
	b.Run("Entries", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			recount := translog.NewRecount()
			if err := db.LogEntries(ctx, e.ID, 0, size, func(_ int64, entry []byte) error {
				recount.Append(entry)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if recount.Root() != root {
				b.Fatal("the entries recount to another root")
			}
		}
		b.ReportMetric(float64(size*int64(b.N))/b.Elapsed().Seconds(), "entries/s")
	})
}
