package storetest

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/actasproject/actas"
)

// writers is how many goroutines submit at once.
const writers = 8

// submitConcurrently has each of writers goroutines submit, through the
// store of its index modulo len(stores), every sheet of a shared file
// (witness, president) in its own order and batch sizes, and five sheets of
// its own (referendum). It checks that each shared sheet was new exactly
// once and present otherwise, that every own sheet was new, and returns how
// many submissions should be stored.
func submitConcurrently(t *testing.T, e string, stores ...actas.Store) int {
	t.Helper()
	var shared []*actas.Submission
	for _, st := range Stations() {
		shared = append(shared, Sub(actas.Witness, Sheet(st.Code, "president", 0)))
	}
	stations := Stations()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	outcomes := make([][]actas.Outcome, writers) // per writer, by index into shared
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := stores[g%len(stores)]
			rnd := rand.New(rand.NewPCG(uint64(g), 7))
			order := rnd.Perm(len(shared))
			outcomes[g] = make([]actas.Outcome, len(shared))
			own := make([]*actas.Submission, 5)
			for i := range own {
				own[i] = Sub(actas.Witness, Sheet(stations[g*5+i].Code, "referendum", int64(g)))
			}
			for len(order) > 0 {
				n := min(1+rnd.IntN(7), len(order))
				var batch []*actas.Submission
				for _, i := range order[:n] {
					batch = append(batch, Sub(shared[i].Source, shared[i].Sheet))
				}
				mine := len(own) > 0 && rnd.IntN(2) == 0
				if mine {
					batch = append(batch, own[0])
				}
				out, err := s.Submit(t.Context(), e, batch, nil)
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", g, err)
					return
				}
				if len(out) != len(batch) {
					errs <- fmt.Errorf("writer %d: %d outcomes for %d submissions", g, len(out), len(batch))
					return
				}
				for j, i := range order[:n] {
					outcomes[g][i] = out[j]
				}
				if mine {
					if o := out[len(out)-1]; o != actas.New {
						errs <- fmt.Errorf("writer %d: its own sheet of station %s was %v, want new", g, own[0].Sheet.Station, o)
						return
					}
					own = own[1:]
				}
				order = order[n:]
			}
			for _, sub := range own {
				out, err := s.Submit(t.Context(), e, []*actas.Submission{sub}, nil)
				if err != nil {
					errs <- fmt.Errorf("writer %d: %w", g, err)
					return
				}
				if out[0] != actas.New {
					errs <- fmt.Errorf("writer %d: its own sheet of station %s was %v, want new", g, sub.Sheet.Station, out[0])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range shared {
		news := 0
		for g := range writers {
			switch outcomes[g][i] {
			case actas.New:
				news++
			case actas.Present:
			default:
				t.Fatalf("shared sheet of station %s was %v for writer %d", shared[i].Sheet.Station, outcomes[g][i], g)
			}
		}
		if news != 1 {
			t.Fatalf("shared sheet of station %s was new for %d writers, want exactly 1", shared[i].Sheet.Station, news)
		}
	}
	return len(shared) + writers*5
}

// wantStoredOnce fails t unless the election holds n submissions numbered
// 1…n, no sheet stored twice.
func wantStoredOnce(t *testing.T, s actas.Store, e string, n int) {
	t.Helper()
	got := MustSubmissions(t, s, e)
	if len(got) != n {
		t.Fatalf("%d submissions stored, want %d", len(got), n)
	}
	wantSeqs(t, got, 1)
	seen := map[string]bool{}
	for _, sub := range got {
		k := fmt.Sprintf("%s|%s|%s|%x", sub.Source, sub.Sheet.Station, sub.Sheet.Contest, sub.Sheet.Digest())
		if seen[k] {
			t.Fatalf("sheet of station %s, %s, %s stored twice", sub.Sheet.Station, sub.Sheet.Contest, sub.Source)
		}
		seen[k] = true
	}
}

func testConcurrency(t *testing.T, b Backend) {
	const e = "ve-2024"

	t.Run("many writers at once lose nothing and store nothing twice", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		n := submitConcurrently(t, e, s)
		wantStoredOnce(t, s, e, n)
	})

	t.Run("two handles on one store lose nothing and store nothing twice", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election(e), Stations())
		other := MustOpenAt(t, b, addr)
		n := submitConcurrently(t, e, s, other)
		wantStoredOnce(t, s, e, n)
		wantStoredOnce(t, other, e, n)
	})

	t.Run("readers see a whole prefix of the sequence while writers write", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		done := make(chan struct{})
		errs := make(chan error, 4)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					var seqs []int64
					if err := s.Submissions(t.Context(), e, 0, func(sub *actas.Submission) error {
						seqs = append(seqs, sub.Seq)
						return nil
					}); err != nil {
						errs <- err
						return
					}
					for i, q := range seqs {
						if q != int64(i+1) {
							errs <- fmt.Errorf("a reader saw sequence numbers %v", seqs)
							return
						}
					}
				}
			}()
		}
		n := submitConcurrently(t, e, s)
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		wantStoredOnce(t, s, e, n)
	})
}

func testPersistence(t *testing.T, b Backend) {
	t.Run("everything stored survives closing and opening again", func(t *testing.T) {
		addr := b.New(t)
		s := MustOpenAt(t, b, addr)
		MustCreateElection(t, s, Election("first"), Stations())
		MustCreateElection(t, s, Election("second"), Stations()[:3])
		file := File(actas.Witness, 0)
		MustSubmit(t, s, "first", file...)
		MustSubmit(t, s, "first", Sub(actas.Witness, Sheet("001", "president", 4)))
		MustSubmit(t, s, "second", Sub(actas.Official, Sheet("002", "referendum", 0)))
		MustAddTotals(t, s, "first", report(2, 0, 0),
			actas.OfficialTotal{Contest: "president", Bulletin: "b1", Area: "", Choice: "a", Votes: 10},
			actas.OfficialTotal{Contest: "president", Bulletin: "b1", Area: Urdaneta, Choice: "ballots", Votes: 3})
		MustAddTotals(t, s, "first", report(0, 0, 1), actas.OfficialTotal{Contest: "president", Bulletin: "b1", Area: "", Choice: "a", Votes: 11})
		MustAddSnapshots(t, s, "first", report(2, 0, 0),
			actas.Snapshot{Scope: "001", Station: true, Time: 600, Voters: 40, Source: actas.Witness},
			actas.Snapshot{Scope: "Zulia", Time: 600, Voters: 400, Source: actas.Official})

		type state struct {
			elections []*actas.Election
			stations  [][]actas.Station
			subs      [][]*actas.Submission
			totals    []actas.OfficialTotal
			snapshots []actas.Snapshot
		}
		read := func(s actas.Store) state {
			t.Helper()
			var st state
			var err error
			if st.elections, err = s.Elections(t.Context()); err != nil {
				t.Fatalf("Elections: %v", err)
			}
			for _, id := range []string{"first", "second"} {
				sts, err := s.Stations(t.Context(), id)
				if err != nil {
					t.Fatalf("Stations(%s): %v", id, err)
				}
				st.stations = append(st.stations, sts)
				st.subs = append(st.subs, MustSubmissions(t, s, id))
			}
			if st.totals, err = s.Totals(t.Context(), "first"); err != nil {
				t.Fatalf("Totals: %v", err)
			}
			if st.snapshots, err = s.Snapshots(t.Context(), "first"); err != nil {
				t.Fatalf("Snapshots: %v", err)
			}
			return st
		}
		before := read(s)
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		s = MustOpenAt(t, b, addr)
		after := read(s)
		if !reflect.DeepEqual(after.elections, before.elections) {
			t.Fatalf("elections after reopening = %+v, want %+v", after.elections, before.elections)
		}
		if !reflect.DeepEqual(after.stations, before.stations) {
			t.Fatal("stations changed across reopening")
		}
		for i := range before.subs {
			if len(after.subs[i]) != len(before.subs[i]) {
				t.Fatalf("%d submissions after reopening, want %d", len(after.subs[i]), len(before.subs[i]))
			}
			for j := range before.subs[i] {
				if !reflect.DeepEqual(after.subs[i][j], before.subs[i][j]) {
					t.Fatalf("submission %d after reopening = %+v, want %+v", j+1, after.subs[i][j], before.subs[i][j])
				}
			}
		}
		if !reflect.DeepEqual(after.totals, before.totals) {
			t.Fatalf("totals after reopening = %+v, want %+v", after.totals, before.totals)
		}
		if !reflect.DeepEqual(after.snapshots, before.snapshots) {
			t.Fatalf("snapshots after reopening = %+v, want %+v", after.snapshots, before.snapshots)
		}
		// What was stored before still counts: the same file is present, a
		// new sheet continues the log: 1 election entry, the file and one
		// more sheet, 3 totals and 2 snapshots before it.
		wantCounts(t, "the file again after reopening", MustSubmit(t, s, "first", File(actas.Witness, 0)...), 0, len(file), 0)
		qr := Sub(actas.QR, Sheet("003", "president", 0))
		MustSubmit(t, s, "first", qr)
		if want := int64(1 + len(file) + 1 + 3 + 2); qr.Seq != want {
			t.Fatalf("the first sheet after reopening has sequence number %d, want %d", qr.Seq, want)
		}
		if got := MustSubmissions(t, s, "first"); got[len(got)-1].Seq != qr.Seq {
			t.Fatalf("the last submission read has sequence number %d, want %d", got[len(got)-1].Seq, qr.Seq)
		}
	})
}
