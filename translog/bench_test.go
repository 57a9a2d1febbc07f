package translog_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

// The benchmarks measure one entry of the scale target (12 choices) at a
// time. Run them with a short -benchtime on the shared machine, e.g.
//
//	go test ./translog -run '^$' -bench . -benchtime 200000x

// bench12 is a real sheet (the first of testdata/ve-2024-actas) in a
// contest of 12 choices.
func bench12() (*actas.Submission, *actas.Contest) {
	c := veContest()
	c.Choices = append(c.Choices, actas.Choice{ID: "x11"}, actas.Choice{ID: "x12"})
	s := veSheet(1)
	s.Sheet.Votes = append(s.Sheet.Votes, 4, 1)
	return s, c
}

// bench12Entries returns n entries of consecutive seqs.
func bench12Entries(tb testing.TB, n int) [][]byte {
	s, c := bench12()
	out := make([][]byte, n)
	for i := range out {
		s.Seq = int64(i + 1)
		out[i] = MustEncodeSubmission(tb, s, c)
	}
	return out
}

func reportEntries(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

func BenchmarkEncodeSubmission(b *testing.B) {
	s, c := bench12()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	var err error
	for i := 0; b.Loop(); i++ {
		s.Seq = int64(i + 1)
		if buf, err = translog.EncodeSubmission(buf[:0], s, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/entry")
	reportEntries(b)
}

// pageSink stands for a store's hash pages: it copies each append's hashes
// into a page of 256, as a store would before writing it, and keeps no more.
type pageSink struct {
	page [256]translog.Hash
	next int64
}

func (p *pageSink) write(hs []translog.Hash) {
	for _, h := range hs {
		p.page[p.next%256] = h
		p.next++
	}
}

// BenchmarkAppenderAppend is one batch of appends from an empty log: it
// reads nothing from the store, as in a bulk import's first transaction.
func BenchmarkAppenderAppend(b *testing.B) {
	entries := bench12Entries(b, 1024)
	a := translog.NewAppender(0, errStore{errDisk})
	var sink pageSink
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		hs, err := a.Append(entries[i%len(entries)])
		if err != nil {
			b.Fatal(err)
		}
		sink.write(hs)
	}
	reportEntries(b)
}

// BenchmarkAppenderBatches appends in transactions of 10,000 entries, a new
// Appender each, over the hashes stored before: the steady state of an
// import or of live submissions. The log is capped so as to stay small.
func BenchmarkAppenderBatches(b *testing.B) {
	const batch, most = 10_000, 200_000
	entries := bench12Entries(b, 1024)
	s := &memStore{}
	a := translog.NewAppender(0, s)
	var pending []translog.Hash
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		hs, err := a.Append(entries[i%len(entries)])
		if err != nil {
			b.Fatal(err)
		}
		pending = append(pending, hs...)
		if a.Size()%batch == 0 {
			s.hashes = append(s.hashes, pending...)
			s.size = a.Size()
			pending = pending[:0]
			if s.size == most {
				s.hashes, s.size = s.hashes[:0], 0
			}
			a = translog.NewAppender(s.size, s)
		}
	}
	reportEntries(b)
}

func BenchmarkRecountAppend(b *testing.B) {
	entries := bench12Entries(b, 1024)
	c := translog.NewRecount()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Append(entries[i%len(entries)])
	}
	reportEntries(b)
}

func BenchmarkParseEntry(b *testing.B) {
	entry := bench12Entries(b, 1)[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := translog.ParseEntry(entry); err != nil {
			b.Fatal(err)
		}
	}
	reportEntries(b)
}

// BenchmarkRecheck is what `actas log verify` does per entry, store reads
// aside: parse it and recount the root.
func BenchmarkRecheck(b *testing.B) {
	entries := bench12Entries(b, 1024)
	c := translog.NewRecount()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e := entries[i%len(entries)]
		if _, err := translog.ParseEntry(e); err != nil {
			b.Fatal(err)
		}
		c.Append(e)
	}
	reportEntries(b)
}

func BenchmarkSHA256Entry(b *testing.B) {
	entry := bench12Entries(b, 1)[0]
	b.SetBytes(int64(len(entry)))
	for b.Loop() {
		sha256.Sum256(entry)
	}
	reportEntries(b)
}

// BenchmarkEncodeAppendVsSHA256 is a store's cost per entry (encode the
// entry, append it) against the least any log must pay, one SHA-256 of
// the entry, measured in the same run: x-sha256 is the ratio.
func BenchmarkEncodeAppendVsSHA256(b *testing.B) {
	s, c := bench12()
	buf := make([]byte, 0, 1024)
	buf, _ = translog.EncodeSubmission(buf, s, c)

	b.StopTimer()
	start := time.Now()
	var sum [32]byte
	for i := 0; i < b.N; i++ {
		sum = sha256.Sum256(buf)
	}
	base := time.Since(start)
	_ = sum

	a := translog.NewAppender(0, errStore{errDisk})
	var sink pageSink
	var err error
	b.ReportAllocs()
	b.StartTimer()
	for i := 0; i < b.N; i++ {
		s.Seq = int64(i + 1)
		if buf, err = translog.EncodeSubmission(buf[:0], s, c); err != nil {
			b.Fatal(err)
		}
		hs, err := a.Append(buf)
		if err != nil {
			b.Fatal(err)
		}
		sink.write(hs)
	}
	b.StopTimer()
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "sha256-ns/entry")
	b.ReportMetric(float64(b.Elapsed())/float64(base), "x-sha256")
	reportEntries(b)
}

// BenchmarkProve serves an inclusion and a consistency proof from a log of
// 100,000 entries kept in memory, and checks them: the translog side of
// the < 1 ms target (a store adds its reads of about 2·log₂ n hashes).
func BenchmarkProve(b *testing.B) {
	const n = 100_000
	s := &memStore{}
	MustAppend(b, s, testEntries(n))
	root, err := translog.TreeHash(n, s)
	if err != nil {
		b.Fatal(err)
	}
	cp := translog.Checkpoint{Origin: "test/log", Size: n, Hash: root}
	older, err := translog.TreeHash(n/3, s)
	if err != nil {
		b.Fatal(err)
	}
	entries := testEntries(n)
	for _, kind := range []string{"inclusion", "consistency"} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				idx := int64(i*7919) % n
				if kind == "inclusion" {
					p, err := translog.ProveInclusion(n, idx, s)
					if err != nil {
						b.Fatal(err)
					}
					if err := translog.VerifyInclusion(cp, idx, translog.LeafHash(entries[idx]), translog.ProofBytes(p)); err != nil {
						b.Fatal(err)
					}
					continue
				}
				p, err := translog.ProveConsistency(n, n/3, s)
				if err != nil {
					b.Fatal(err)
				}
				if err := translog.VerifyConsistency(translog.Checkpoint{Origin: "test/log", Size: n / 3, Hash: older}, cp, translog.ProofBytes(p)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
