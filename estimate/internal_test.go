package estimate

import (
	"math"
	"slices"
	"testing"
)

// Known values from standard tables (and closed forms where they exist).
func TestNormalQuantile(t *testing.T) {
	tests := []struct{ q, want float64 }{
		{0.5, 0},
		{0.975, 1.959963984540054},
		{0.995, 2.5758293035489004},
		{0.95, 1.6448536269514722},
		{0.025, -1.959963984540054},
	}
	for _, tt := range tests {
		if got := normalQuantile(tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("normalQuantile(%v) = %.16f, want %.16f", tt.q, got, tt.want)
		}
	}
	if got := normalTwoSided(1.959963984540054); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("two-sided p of 1.96 = %v", got)
	}
}

func TestChiSquareSF(t *testing.T) {
	tests := []struct {
		name     string
		x, df, p float64
	}{
		{"95th percentile, 1 df", 3.841458820694124, 1, 0.05},
		{"95th percentile, 10 df", 18.307038053275146, 10, 0.05},
		{"99th percentile, 30 df", 50.89218131151707, 30, 0.01},
		{"95th percentile, 100 df", 124.34211340400407, 100, 0.05},
		{"2 df is exponential", 5, 2, math.Exp(-2.5)},
		{"median region, 349 df", 348.3334, 349, 0.5},
		{"zero", 0, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tol := 1e-9
			if tt.df == 349 {
				tol = 1e-3 // the median of chi-square(k) is about k(1 − 2/(9k))³
			}
			if got := chiSquareSF(tt.x, tt.df); math.Abs(got-tt.p) > tol {
				t.Errorf("P(X > %v | %v df) = %.12f, want %.12f", tt.x, tt.df, got, tt.p)
			}
		})
	}
	// Q(1/2, x) = erfc(√x) and Q(1, x) = e^−x on both sides of a+1, where
	// the series gives way to the continued fraction.
	for _, x := range []float64{0.01, 0.3, 1, 1.4, 1.6, 4, 20, 60} {
		if got, want := gammaQ(0.5, x), math.Erfc(math.Sqrt(x)); math.Abs(got-want) > 1e-13*max(1, want*1e3) && math.Abs(got-want)/want > 1e-10 {
			t.Errorf("Q(1/2, %v) = %v, want %v", x, got, want)
		}
		if got, want := gammaQ(1, x), math.Exp(-x); math.Abs(got-want)/want > 1e-10 {
			t.Errorf("Q(1, %v) = %v, want %v", x, got, want)
		}
	}
}

func TestQuantileSorted(t *testing.T) {
	v := []float64{1, 2, 3, 4}
	for _, tt := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {1, 4}} {
		if got := quantileSorted(v, tt.q); got != tt.want {
			t.Errorf("quantile %v of 1..4 = %v, want %v (type 7)", tt.q, got, tt.want)
		}
	}
	lo, hi := percentile([]float64{5, math.NaN(), 1, 3, 2, 4}, 0.5)
	if lo != 2 || hi != 4 {
		t.Errorf("50%% percentile interval of 1..5 = [%v, %v], want [2, 4]", lo, hi)
	}
}

func TestAreaPrefix(t *testing.T) {
	tests := []struct {
		path string
		k    int
		want string
		ok   bool
	}{
		{"Zulia/Maracaibo/Chiquinquirá", 0, "Zulia", true},
		{"Zulia/Maracaibo/Chiquinquirá", 1, "Zulia/Maracaibo", true},
		{"Zulia/Maracaibo/Chiquinquirá", 2, "Zulia/Maracaibo/Chiquinquirá", true},
		{"Zulia/Maracaibo/Chiquinquirá", 3, "", false},
		{`MP. L\/DIEGO/X`, 0, `MP. L\/DIEGO`, true},
		{`A\\/B`, 0, `A\\`, true},
		{"anything", -1, "", true},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		got, ok := areaPrefix(tt.path, tt.k)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("areaPrefix(%q, %d) = %q, %v; want %q, %v", tt.path, tt.k, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCollapseStrata(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		N     []float64
		n     []int
		noFPC bool
		want  [][]string // groups, by path
	}{
		{"nothing to merge", []string{"A/1", "A/2"}, []float64{5, 5}, []int{2, 3}, false, [][]string{{"A/1"}, {"A/2"}}},
		{"sibling before a cousin", []string{"A/1", "A/2", "B/1"}, []float64{5, 5, 5}, []int{2, 0, 4}, false, [][]string{{"A/1", "A/2"}, {"B/1"}}},
		{"cousin when no sibling is left", []string{"A/1", "B/1", "B/2"}, []float64{5, 5, 5}, []int{1, 2, 3}, false, [][]string{{"A/1", "B/1"}, {"B/2"}}},
		{"the smaller neighbour on a tie", []string{"A/1", "A/2", "A/3"}, []float64{9, 5, 4}, []int{3, 0, 3}, false, [][]string{{"A/1"}, {"A/2", "A/3"}}},
		{"a run of empty strata", []string{"A/1", "A/2", "A/3", "A/4"}, []float64{5, 5, 5, 5}, []int{0, 0, 1, 5}, false, [][]string{{"A/1", "A/2", "A/3", "A/4"}}},
		{"paths sort, creation order does not", []string{"B/1", "A/1", "A/2"}, []float64{5, 5, 5}, []int{3, 3, 0}, false, [][]string{{"A/1", "A/2"}, {"B/1"}}},
		{"a fully counted stratum of one is kept", []string{"A/1", "A/2"}, []float64{1, 5}, []int{1, 3}, false, [][]string{{"A/1"}, {"A/2"}}},
		{"unless the panel is itself a sample", []string{"A/1", "A/2"}, []float64{1, 5}, []int{1, 3}, true, [][]string{{"A/1", "A/2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gr := collapseStrata(tt.paths, tt.N, tt.n, tt.noFPC)
			var got [][]string
			for _, m := range gr.members {
				var g []string
				for _, s := range m {
					g = append(g, tt.paths[s])
				}
				got = append(got, g)
			}
			if !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("groups %q, want %q", got, tt.want)
			}
			for s, g := range gr.of {
				if !slices.Contains(gr.members[g], int32(s)) {
					t.Errorf("stratum %s maps to group %d, which does not hold it", tt.paths[s], g)
				}
			}
		})
	}
}
