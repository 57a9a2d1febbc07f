package estimate_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/simulate"
)

// TestRequiredSize checks the sample-size formula against the worked
// example of Estok, Nevitte & Cowan, "The Quick Count and Election
// Observation" (NDI 2002), ch. 5: Peru 2001, 14,570,774 voters, margin
// 0.32%, 99% confidence, p = 0.5. Counting each voter as a "station" of one
// vote with no design effect gives the handbook's number of voters. The
// handbook prints 163,185 because it rounds e² = 0.00001024 to 0.000010 and
// z to 2.58; the unrounded formula gives 160,204.
func TestRequiredSize(t *testing.T) {
	ss, err := estimate.RequiredSize(14_570_774, estimate.SampleOptions{Margin: 0.0032, Confidence: 0.99, DesignEffect: 1, VotesPerStation: 1})
	if err != nil {
		t.Fatal(err)
	}
	// n = p(1−p) / (e²/z² + p(1−p)/N) with z = 2.5758293035489004.
	z := 2.5758293035489004
	want := math.Ceil(0.25 / (0.0032*0.0032/(z*z) + 0.25/14_570_774))
	if float64(ss.Stations) != want || want != 160_204 {
		t.Errorf("voters for ±0.32%% at 99%% in Peru: %d, want %v", ss.Stations, want)
	}
	t.Run("stations of 200 votes with a design effect of 4", func(t *testing.T) {
		ss, err := estimate.RequiredSize(20_000, estimate.SampleOptions{Margin: 0.01, DesignEffect: 4, VotesPerStation: 200})
		if err != nil {
			t.Fatal(err)
		}
		// n0 = 1.96² · 0.25 · 4 / (0.0001 · 200) = 192.07; n = n0/(1 + n0/20000) = 190.2.
		if ss.Stations != 191 {
			t.Errorf("%d stations, want 191", ss.Stations)
		}
		// The margin of that size is the margin asked for (a little less: n was rounded up).
		back, err := estimate.RequiredSize(20_000, estimate.SampleOptions{Size: ss.Stations, DesignEffect: 4, VotesPerStation: 200})
		if err != nil {
			t.Fatal(err)
		}
		if back.Margin > 0.01 || back.Margin < 0.0099 {
			t.Errorf("margin of %d stations: %v, want just under 0.01", ss.Stations, back.Margin)
		}
	})
	for _, tt := range []struct {
		name string
		opts estimate.SampleOptions
		want string
	}{
		{"no design effect", estimate.SampleOptions{Margin: 0.01, VotesPerStation: 200}, "design effect"},
		{"design effect below 1", estimate.SampleOptions{Margin: 0.01, DesignEffect: 0.5, VotesPerStation: 200}, "design effect"},
		{"no votes per station", estimate.SampleOptions{Margin: 0.01, DesignEffect: 2}, "votes per station"},
		{"no margin", estimate.SampleOptions{DesignEffect: 2, VotesPerStation: 200}, "margin"},
		{"margin as a percentage", estimate.SampleOptions{Margin: 1, DesignEffect: 2, VotesPerStation: 200}, "margin"},
		{"bad confidence", estimate.SampleOptions{Margin: 0.01, DesignEffect: 2, VotesPerStation: 200, Confidence: 2}, "confidence"},
		{"negative size", estimate.SampleOptions{Size: -3, DesignEffect: 2, VotesPerStation: 200}, "sample size"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := estimate.RequiredSize(1000, tt.opts)
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want EINVALID about %s", err, tt.want)
			}
		})
	}
}

// MustSample draws a sample.
func MustSample(tb testing.TB, p *actas.Panel, opts estimate.SampleOptions) *estimate.Sample {
	tb.Helper()
	s, err := estimate.DrawSample(p, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestDrawSample(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 3000, Seed: 11})
	frame := DatasetPanel(ds, actas.Official)
	stateOf := map[string]string{}
	for _, st := range ds.Stations {
		stateOf[st.Code], _, _ = strings.Cut(st.Area, "/")
	}
	t.Run("proportional to stations, at least 2 per stratum", func(t *testing.T) {
		s := MustSample(t, frame, estimate.SampleOptions{Size: 300, Seed: 5})
		if len(s.Stations) < 300 || !slices.IsSorted(indexes(t, frame, s.Stations)) {
			t.Fatalf("%d stations drawn", len(s.Stations))
		}
		got := map[string]int{}
		for _, c := range s.Stations {
			got[stateOf[c]]++
		}
		total := 0
		for _, st := range s.Strata {
			total += st.Stations
		}
		for _, st := range s.Strata {
			if got[st.Area] != st.Sampled {
				t.Errorf("%s: %d drawn, the sample says %d", st.Area, got[st.Area], st.Sampled)
			}
			ideal := 300 * float64(st.Stations) / float64(total)
			if st.Sampled < min(2, st.Stations) || (st.Sampled > 2 && float64(st.Sampled) > math.Ceil(ideal)) {
				t.Errorf("%s: %d of %d stations drawn, ideal %.1f", st.Area, st.Sampled, st.Stations, ideal)
			}
		}
	})
	t.Run("proportional to registered voters", func(t *testing.T) {
		s := MustSample(t, frame, estimate.SampleOptions{Size: 300, Allocation: estimate.ByRegistered})
		var reg int64
		for _, st := range s.Strata {
			reg += st.Registered
		}
		for _, st := range s.Strata {
			ideal := 300 * float64(st.Registered) / float64(reg)
			if math.Abs(float64(st.Sampled)-ideal) > 1 && st.Sampled > 2 {
				t.Errorf("%s: %d drawn, ideal %.1f", st.Area, st.Sampled, ideal)
			}
		}
	})
	t.Run("the seed decides the draw", func(t *testing.T) {
		a := MustSample(t, frame, estimate.SampleOptions{Size: 300, Seed: 5})
		b := MustSample(t, frame, estimate.SampleOptions{Size: 300, Seed: 5})
		c := MustSample(t, frame, estimate.SampleOptions{Size: 300, Seed: 6})
		if !slices.Equal(a.Stations, b.Stations) || slices.Equal(a.Stations, c.Stations) {
			t.Errorf("seed 5 twice: equal %v; seeds 5 and 6: equal %v", slices.Equal(a.Stations, b.Stations), slices.Equal(a.Stations, c.Stations))
		}
	})
	t.Run("size from a margin, design effect from the sheets", func(t *testing.T) {
		s := MustSample(t, frame, estimate.SampleOptions{Margin: 0.01})
		if s.Size.DesignEffect < 1 || s.Size.VotesPerStation <= 0 || s.Size.Stations < 10 || len(s.Notes) < 2 {
			t.Errorf("size %+v, notes %q", s.Size, s.Notes)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, opts := range []estimate.SampleOptions{{Size: 10, Strata: "galaxy"}, {Size: 10, Allocation: "votes"}} {
			if _, err := estimate.DrawSample(frame, opts); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("%+v: error %v, want EINVALID", opts, err)
			}
		}
		noSheets := *frame
		noSheets.Sheets = make([]*actas.Sheet, len(frame.Stations))
		if _, err := estimate.DrawSample(&noSheets, estimate.SampleOptions{Margin: 0.01}); actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), "design effect") {
			t.Errorf("margin without sheets or design effect: %v", err)
		}
	})
}

func indexes(tb testing.TB, p *actas.Panel, codes []string) []int {
	tb.Helper()
	at := map[string]int{}
	for i, st := range p.Stations {
		at[st.Code] = i
	}
	out := make([]int, len(codes))
	for k, c := range codes {
		i, ok := at[c]
		if !ok {
			tb.Fatalf("station %s is not in the panel", c)
		}
		out[k] = i
	}
	return out
}

// TestQuickCount projects from a sample of an honest simulated election as
// it arrives.
func TestQuickCount(t *testing.T) {
	ds, truth := MustSimulate(t, simulate.Config{Stations: 5000, Seed: 21})
	official := DatasetPanel(ds, actas.Official) // no fraud: the official sheets are the true ones
	s := MustSample(t, official, estimate.SampleOptions{Size: 600, Seed: 3})
	t.Run("the whole sample", func(t *testing.T) {
		pr, err := estimate.QuickCount(official, s, estimate.Options{Replicates: 200})
		if err != nil {
			t.Fatal(err)
		}
		if pr.Sample == nil || pr.Sample.Received != len(s.Stations) || pr.Sample.ReceivedShare != 1 || pr.StationsCounted != int64(len(s.Stations)) || pr.Stations != 5000 {
			t.Errorf("sample status %+v, %d of %d stations", pr.Sample, pr.StationsCounted, pr.Stations)
		}
		for _, id := range []string{"a", "b"} {
			e, tr := pr.Estimates[id], truth.National.Shares[id]
			if !(e.Low <= tr && tr <= e.High) {
				t.Errorf("%s: %.4f [%.4f, %.4f] misses the truth %.4f", id, e.Share, e.Low, e.High, tr)
			}
		}
		if !strings.HasPrefix(pr.Method, "Quick count: ") {
			t.Errorf("method %q", pr.Method)
		}
	})
	t.Run("a sample still arriving", func(t *testing.T) {
		partial := *official
		partial.Sheets = slices.Clone(official.Sheets)
		keep := map[string]bool{}
		for k, c := range s.Stations {
			keep[c] = k%3 != 0 // a third not yet in
		}
		for i, st := range partial.Stations {
			if !keep[st.Code] {
				partial.Sheets[i] = nil
			}
		}
		pr, err := estimate.QuickCount(&partial, s, estimate.Options{Replicates: -1})
		if err != nil {
			t.Fatal(err)
		}
		if pr.Sample.Received != 400 || pr.Sample.Sampled != 600 || !hasWarning(pr, "of the sample has arrived") {
			t.Errorf("status %+v, warnings %q", pr.Sample, pr.Warnings)
		}
		// Stations outside the sample are ignored even with sheets.
		if pr.StationsCounted != 400 {
			t.Errorf("%d stations used, want the 400 sampled ones received", pr.StationsCounted)
		}
	})
	t.Run("samples that do not fit the panel", func(t *testing.T) {
		tamper := func(f func(s *estimate.Sample)) *estimate.Sample {
			c := *s
			c.Stations = slices.Clone(s.Stations)
			c.Strata = slices.Clone(s.Strata)
			f(&c)
			return &c
		}
		for _, tt := range []struct {
			name   string
			sample *estimate.Sample
			opts   estimate.Options
		}{
			{"another election", tamper(func(s *estimate.Sample) { s.Election = "sim-99" }), estimate.Options{}},
			{"an unknown station", tamper(func(s *estimate.Sample) { s.Stations[0] = "nowhere" }), estimate.Options{}},
			{"a station twice", tamper(func(s *estimate.Sample) { s.Stations[1] = s.Stations[0] }), estimate.Options{}},
			{"strata that do not add up", tamper(func(s *estimate.Sample) { s.Strata[0].Sampled++ }), estimate.Options{}},
			{"a stratum missing", tamper(func(s *estimate.Sample) { s.Strata = s.Strata[1:] }), estimate.Options{}},
			{"other strata asked for", s, estimate.Options{Strata: "parish"}},
			{"no sample", nil, estimate.Options{}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := estimate.QuickCount(official, tt.sample, tt.opts); actas.ErrorCode(err) != actas.EINVALID {
					t.Errorf("error %v, want EINVALID", err)
				}
			})
		}
	})
}
