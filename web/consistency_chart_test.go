package web

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas/consistency"
)

func mustFloat(tb testing.TB, s string) float64 {
	tb.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		tb.Fatalf("%q is not a number", s)
	}
	return f
}

// rectsTitled returns the rectangles with the given tooltip.
func rectsTitled(c *svgChart, title string) []svgRect {
	var out []svgRect
	for _, r := range c.Rects {
		if r.Title == title {
			out = append(out, r)
		}
	}
	return out
}

func TestBarChartGeometry(t *testing.T) {
	series := []barSeries{{Label: "counted", Fill: colourCounted}, {Label: "required", Fill: colourRequired}}
	tests := []struct {
		name   string
		values [2]float64
		// want: the bars' left edges and widths relative to each other
		check func(t *testing.T, counted, required svgRect)
	}{
		{"a negative requirement is drawn left of zero, at the same scale", [2]float64{300, -100}, func(t *testing.T, c, r svgRect) {
			zero := mustFloat(t, c.X)
			if got := mustFloat(t, r.X) + mustFloat(t, r.W); got != zero {
				t.Errorf("the negative bar ends at %v, zero is at %v", got, zero)
			}
			if cw, rw := mustFloat(t, c.W), mustFloat(t, r.W); cw < 2.9*rw || cw > 3.1*rw {
				t.Errorf("widths %v and %v, want 3:1", cw, rw)
			}
		}},
		{"positive values start at the same zero", [2]float64{100, 50}, func(t *testing.T, c, r svgRect) {
			if c.X != r.X || mustFloat(t, c.W) != 2*mustFloat(t, r.W) {
				t.Errorf("bars at %s (%s) and %s (%s)", c.X, c.W, r.X, r.W)
			}
		}},
		{"a tiny value stays visible", [2]float64{1_000_000, 1}, func(t *testing.T, c, r svgRect) {
			if mustFloat(t, r.W) < 1 {
				t.Errorf("the tiny bar is %s wide", r.W)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := barChart("x", "t", "d", "", series, []barGroup{{Label: "g", Bars: []barValue{
				{Value: tc.values[0], Text: "a", Title: "counted"}, {Value: tc.values[1], Text: "b", Title: "required"}}}}, barOptions{})
			tc.check(t, rectsTitled(c, "counted")[0], rectsTitled(c, "required")[0])
			if c.Height <= 0 {
				t.Errorf("height %d", c.Height)
			}
			for _, r := range c.Rects {
				if x := mustFloat(t, r.X) + mustFloat(t, r.W); mustFloat(t, r.X) < 0 || x > barWidth {
					t.Errorf("a bar runs outside the chart: %+v", r)
				}
			}
		})
	}
}

func TestCapacityChartMarksWhatExceedsCapacity(t *testing.T) {
	c := capacityChart("x", "t", "d", "", "capacity", "votes", []capacityRow{
		{Label: "17:00–17:30", Capacity: 90, Votes: 13, Text: "13 of 90", Title: "ok"},
		{Label: "17:30–18:00", Capacity: 90, Votes: 152, Text: "152 of 90", Title: "over", Bad: true},
	})
	ok, over := rectsTitled(c, "ok"), rectsTitled(c, "over")
	if len(ok) != 2 || len(over) != 2 {
		t.Fatalf("want a capacity and a votes bar per interval, got %d and %d", len(ok), len(over))
	}
	if ok[1].Fill != colourCounted || over[1].Fill != colourBad {
		t.Errorf("votes bars filled %s and %s: the one over capacity must be in the alarm colour", ok[1].Fill, over[1].Fill)
	}
	if mustFloat(t, over[1].W) <= mustFloat(t, over[0].W) {
		t.Errorf("the votes bar over capacity (%s) does not run past its capacity (%s)", over[1].W, over[0].W)
	}
	marked := 0
	for _, x := range c.Texts {
		if strings.HasPrefix(x.Text, "✖ ") {
			marked++
		}
	}
	if marked != 1 {
		t.Errorf("%d texts marked ✖, want the one interval over capacity", marked)
	}
}

func TestHeatMapMergesBinsAndSkipsEmptyCells(t *testing.T) {
	tests := []struct {
		name      string
		bins      int
		fill      [][3]int // share bin, turnout bin, count
		wantCells int
	}{
		{"100 bins are drawn as 50 × 50", 100, [][3]int{{0, 0, 1}, {0, 1, 1}, {99, 99, 5}}, 2},
		{"30 bins are drawn as they are", 30, [][3]int{{0, 0, 1}, {0, 1, 1}, {29, 29, 5}}, 3},
		{"an empty map draws no cell", 100, nil, 0},
	}
	pct := func(f float64) string { return strconv.Itoa(int(100*f)) + "%" }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			grid := make([][]int64, tc.bins)
			for i := range grid {
				grid[i] = make([]int64, tc.bins)
			}
			for _, x := range tc.fill {
				grid[x[0]][x[1]] += int64(x[2])
			}
			c := heatMap("x", "t", "d", "", "turnout", "share", grid, 0.9, pct, func(n int64) string { return strconv.FormatInt(n, 10) })
			cells := 0
			for _, p := range c.Paths {
				cells += strings.Count(p.D, "M")
			}
			if cells != tc.wantCells {
				t.Errorf("%d cells drawn, want %d", cells, tc.wantCells)
			}
		})
	}
}

func TestIntervalChartPlacesEstimatesAndOfficialShares(t *testing.T) {
	c := intervalChart("x", "t", "d", "", []intervalRow{
		{Label: "a", Share: 0.43, Low: 0.42, High: 0.44, Official: 0.51, Title: "a", OfficialTitle: "a official"},
		{Label: "b", Share: 0.30, Low: 0.29, High: 0.31, Official: -1, Title: "b"},
	}, func(f float64) string { return strconv.Itoa(int(100*f+0.5)) + "%" })
	if len(c.Circles) != 2 || len(c.Paths) != 1 {
		t.Fatalf("%d estimates and %d official marks, want 2 and 1", len(c.Circles), len(c.Paths))
	}
	dot := mustFloat(t, c.Circles[0].CX)
	diamond := mustFloat(t, strings.Fields(strings.TrimPrefix(c.Paths[0].D, "M"))[0])
	// 0.43 and 0.51 on an axis from 0 to 0.6 over [10, 390].
	if want := 10 + 380*0.43/0.6; dot < want-0.5 || dot > want+0.5 {
		t.Errorf("estimate drawn at %v, want %v", dot, want)
	}
	if want := 10 + 380*0.51/0.6; diamond < want-0.5 || diamond > want+0.5 {
		t.Errorf("official share drawn at %v, want %v", diamond, want)
	}
	if c.Paths[0].Fill != "none" {
		t.Error("the official mark hides the estimate beneath it")
	}
}

func BenchmarkConsistency(b *testing.B) {
	f := benchFixture(b)
	e, err := f.Server.election(b.Context(), f.Election.ID)
	if err != nil {
		b.Fatal(err)
	}
	c := &e.Contests[0]
	totals, _ := f.Store.Totals(b.Context(), e.ID)
	in := consistency.Inputs{Election: e.Election, Results: f.Tab, Totals: totals}
	b.Run("compute every analysis", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.Server.runAnalyses(b.Context(), in, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	rep, err := f.Server.runAnalyses(b.Context(), in, nil)
	if err != nil {
		b.Fatal(err)
	}
	st := reportState{done: &computed{report: rep}, current: true}
	l := f.Server.langs.byCode["en"]
	b.Run("render the page", func(b *testing.B) {
		req := httptest.NewRequest("GET", consistencyURL(e.ID), nil)
		for b.Loop() {
			pg := f.Server.newPage(req, l, e)
			pg.Body = f.Server.consistencyView(l, e, c, params{}, st)
			f.Server.render(httptest.NewRecorder(), req, 200, "consistency", pg)
		}
	})
	// The kept report: a large election's takes longer than a request waits.
	deadline := time.Now().Add(10 * time.Minute)
	for {
		st, err := f.Server.consistencyState(b.Context(), e, c)
		if err != nil {
			b.Fatal(err)
		}
		if st.done != nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("no report after 10 minutes")
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.get(b, consistencyURL(e.ID))
	b.Run("serve the kept page", func(b *testing.B) {
		for b.Loop() {
			f.get(b, consistencyURL(e.ID))
		}
	})
}
