package timeline_test

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/timeline"
)

// CNE bulletin 1 of Venezuela's presidential election, 29 July 2024 00:06
// (testdata/README.md): Maduro 5,150,092, González 4,445,978, others
// 462,704; total 10,058,774. Shares 51.199997%, 44.199999%, 4.600004%.
var veBulletin1 = struct {
	choices []string
	votes   []int64
	total   int64
}{[]string{"nm", "eg", "others"}, []int64{5_150_092, 4_445_978, 462_704}, 10_058_774}

func TestExactnessVenezuela2024(t *testing.T) {
	x, err := timeline.CheckExactness(veBulletin1.choices, veBulletin1.votes, veBulletin1.total, timeline.ExactnessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rounds := []float64{0.512, 0.442, 0.046}
	for i, d := range x.Shares {
		if !d.Tested || math.Abs(d.Round-rounds[i]) > 1e-12 {
			t.Errorf("%s: round %v tested %v, want %v", d.Choice, d.Round, d.Tested, rounds[i])
		}
		// Within 0.000004 percentage points: each figure is the whole
		// number of votes nearest to its round percentage of the total.
		if d.Distance*100 >= 0.000004 || math.Abs(d.Offset) >= 0.5 {
			t.Errorf("%s: %.7f%% lies %.7f points (%.3f votes) from %.1f%%", d.Choice, d.Share*100, d.Distance*100, d.Offset, d.Round*100)
		}
	}
	if x.Tested != 3 || x.Independent != 2 {
		t.Errorf("tested %d, independent %d: want 3 shares adding up to the total, 2 free", x.Tested, x.Independent)
	}
	// Closer than half a vote: the chance per share is that of a count
	// being the one nearest its round value, 1 in 0.001 × 10,058,774.
	wantQ := 1 / (0.001 * 10_058_774)
	if math.Abs(x.Chance-wantQ) > 1e-12*wantQ || math.Abs(x.PValue-wantQ*wantQ) > 1e-12*wantQ*wantQ {
		t.Errorf("chance %g per share, %g in all; want %g and %g", x.Chance, x.PValue, wantQ, wantQ*wantQ)
	}
	if !x.Flag || x.PValue > 1e-8 {
		t.Errorf("p = %g flag %v: want about 1 in 100 million, flagged", x.PValue, x.Flag)
	}
	if !strings.Contains(x.Note, "computed from round percentages") || !strings.Contains(x.Note, "cannot show") {
		t.Errorf("note = %q", x.Note)
	}

	t.Run("from the bulletin files", func(t *testing.T) {
		e := &actas.Election{ID: "ve-2024", Name: "Presidencial 2024", Levels: []string{"state"},
			Contests: []actas.Contest{{ID: "president", Name: "Presidente", Choices: []actas.Choice{
				{ID: "nm"}, {ID: "eg"}, {ID: "lm"}, {ID: "ae"}, {ID: "bera"}, {ID: "jobr"}, {ID: "jabe"}, {ID: "cf"}, {ID: "em"}, {ID: "dc"}}}}}
		c := &e.Contests[0]
		read := func(name string) *actas.Bulletin {
			path := filepath.Join("..", "testdata", "ve-2024-actas", name+".csv")
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			totals, err := sheetio.ReadTotals(f, path, e, c.ID, name, func(string) bool { return false })
			if err != nil {
				t.Fatal(err)
			}
			bs := actas.Bulletins(c, totals)
			if len(bs) != 1 {
				t.Fatalf("%s: %d bulletins", name, len(bs))
			}
			return bs[0]
		}
		// Bulletin 1 states Maduro and González; the others' 462,704 votes
		// complete the total the percentages were announced of.
		b1 := read("cne-bulletin-1")
		x1, err := timeline.BulletinExactness(c, b1, veBulletin1.total, timeline.ExactnessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if x1.Tested != 2 || x1.Independent != 2 || math.Abs(x1.PValue-x.PValue) > 1e-20 || !x1.Flag {
			t.Errorf("bulletin 1: tested %d independent %d p %g flag %v; want 2, 2, %g, flagged", x1.Tested, x1.Independent, x1.PValue, x1.Flag, x.PValue)
		}
		if _, err := timeline.BulletinExactness(c, b1, 0, timeline.ExactnessOptions{}); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("bulletin 1 without a total: err = %v, want EINVALID naming the missing choices", err)
		}
		// Bulletin 2's shares (51.95%, 43.18%, …) are not round beyond
		// what its printed precision gives: nothing to flag.
		x2, err := timeline.BulletinExactness(c, read("cne-bulletin-2"), 0, timeline.ExactnessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if x2.Flag || x2.Tested != 10 || x2.Statistic*100 < 0.04 {
			t.Errorf("bulletin 2: flag %v tested %d largest distance %.4f points; want unflagged, 10, ≥ 0.04", x2.Flag, x2.Tested, x2.Statistic*100)
		}
	})
}

func TestExactnessCases(t *testing.T) {
	cases := []struct {
		name        string
		votes       []int64
		total       int64
		opt         timeline.ExactnessOptions
		tested, ind int
		flag        bool
	}{
		{"bulletin 1 at a 1% resolution is unremarkable", veBulletin1.votes, veBulletin1.total, timeline.ExactnessOptions{Resolution: 0.01}, 3, 2, false},
		{"a thousand votes moved from Maduro to González", []int64{5_149_092, 4_446_978, 462_704}, veBulletin1.total, timeline.ExactnessOptions{}, 3, 2, false},
		{"the others' figure unstated", []int64{5_150_092, 4_445_978, actas.Unknown}, veBulletin1.total, timeline.ExactnessOptions{}, 2, 2, true},
		{"exactly 60% and 40% of ten million, a third choice with none", []int64{6_000_000, 4_000_000, 0}, 10_000_000, timeline.ExactnessOptions{}, 2, 1, true},
		{"exactly 60% and 40% of a million is as likely as 1 in 1,000", []int64{600_000, 400_000}, 1_000_000, timeline.ExactnessOptions{}, 2, 1, false},
		{"a total of 1,000 makes every share a multiple of 0.1%", []int64{512, 442, 46}, 1000, timeline.ExactnessOptions{}, 3, 2, false},
		{"one choice with every vote", []int64{77, 0}, 77, timeline.ExactnessOptions{}, 0, 0, false},
		{"a stricter alpha", veBulletin1.votes, veBulletin1.total, timeline.ExactnessOptions{Alpha: 1e-9}, 3, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids := make([]string, len(tc.votes))
			for i := range ids {
				ids[i] = string(rune('a' + i))
			}
			x, err := timeline.CheckExactness(ids, tc.votes, tc.total, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if x.Tested != tc.tested || x.Independent != tc.ind || x.Flag != tc.flag {
				t.Errorf("tested %d independent %d flag %v (p %g), want %d %d %v", x.Tested, x.Independent, x.Flag, x.PValue, tc.tested, tc.ind, tc.flag)
			}
			if x.PValue < 0 || x.PValue > 1 || x.Chance < 0 || x.Chance > 1 {
				t.Errorf("p %g, chance %g outside [0, 1]", x.PValue, x.Chance)
			}
		})
	}
}

func TestExactnessRefuses(t *testing.T) {
	cases := []struct {
		name    string
		choices []string
		votes   []int64
		total   int64
		opt     timeline.ExactnessOptions
	}{
		{"more figures than choices", []string{"a"}, []int64{1, 2}, 3, timeline.ExactnessOptions{}},
		{"no total", []string{"a"}, []int64{0}, 0, timeline.ExactnessOptions{}},
		{"a negative figure", []string{"a", "b"}, []int64{-5, 2}, 10, timeline.ExactnessOptions{}},
		{"a figure above the total", []string{"a"}, []int64{11}, 10, timeline.ExactnessOptions{}},
		{"figures adding up to more than the total", []string{"a", "b"}, []int64{6, 6}, 10, timeline.ExactnessOptions{}},
		{"a resolution above one half", []string{"a"}, []int64{1}, 10, timeline.ExactnessOptions{Resolution: 0.7}},
		{"a negative resolution", []string{"a"}, []int64{1}, 10, timeline.ExactnessOptions{Resolution: -0.001}},
		{"alpha of one", []string{"a"}, []int64{1}, 10, timeline.ExactnessOptions{Alpha: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := timeline.CheckExactness(tc.choices, tc.votes, tc.total, tc.opt); actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
		})
	}
}

// Counted results (last digits uniform) are flagged at most as often as
// alpha says; results computed from round percentages almost always are.
func TestExactnessCalibration(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 2024))
	const runs = 20000
	draw := func(k int, total int64, fromPercent bool) []int64 {
		w := make([]float64, k)
		var sum float64
		for i := range w {
			w[i] = r.ExpFloat64()
			sum += w[i]
		}
		votes := make([]int64, k)
		var used int64
		for i := range k - 1 {
			share := w[i] / sum
			if fromPercent {
				share = math.Round(share*1000) / 1000
			}
			votes[i] = int64(math.Round(share * float64(total)))
			used += votes[i]
		}
		votes[k-1] = total - used
		return votes
	}
	for _, tc := range []struct {
		name        string
		fromPercent bool
	}{{"counted results", false}, {"results computed from percentages", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var below05, flagged, valid int
			for range runs {
				k := 2 + r.IntN(5)
				total := 100_000 + r.Int64N(20_000_000)
				votes := draw(k, total, tc.fromPercent)
				if anyNonPositive(votes) {
					continue
				}
				ids := make([]string, k)
				for i := range ids {
					ids[i] = string(rune('a' + i))
				}
				x, err := timeline.CheckExactness(ids, votes, total, timeline.ExactnessOptions{})
				if err != nil {
					t.Fatal(err)
				}
				valid++
				if x.PValue <= 0.05 {
					below05++
				}
				if x.Flag {
					flagged++
				}
			}
			p05, pf := float64(below05)/float64(valid), float64(flagged)/float64(valid)
			t.Logf("%d results: %.4f with p ≤ 0.05, %.5f flagged", valid, p05, pf)
			if !tc.fromPercent {
				// Binomial sd of a 0.05 rate over ~20,000 runs is 0.0015.
				if p05 > 0.05+0.005 || p05 < 0.02 || pf > 0.001+0.0007 {
					t.Errorf("counted results: %.4f with p ≤ 0.05 (want about 0.05, never much more), %.5f flagged (want ≤ 0.001)", p05, pf)
				}
			} else if pf < 0.95 {
				t.Errorf("results computed from percentages: only %.3f flagged", pf)
			}
		})
	}
}

func anyNonPositive(v []int64) bool {
	for _, x := range v {
		if x <= 0 {
			return true
		}
	}
	return false
}
