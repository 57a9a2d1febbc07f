package audit

import (
	"fmt"
	"slices"
	"testing"

	"github.com/actasproject/actas"
)

// Known answers from the docstrings of Rivest's consistent_sampler
// (ron-rivest/consistent_sampler and votingworks/consistent_sampler at
// 46f6f0a, consistent_sampler/consistent_sampler.py), which issue 7 quotes.
func TestSamplerKnownAnswers(t *testing.T) {
	next := func(x string) string {
		y, err := NextFraction(x)
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	tests := []struct {
		name, got, want string
	}{
		{"sha256_hex of abc", SHA256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"uniform of abc", Uniform("abc"), "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"},
		{"first ticket of AB-130", FirstFraction("AB-130", "01382438112797316654"), "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"},
		{"next after 0.25471", next("0.25471"), "0.642853261655004694691182528114375607701032283189922170593838029306715548381901"},
		{"second ticket of AB-130", next("0.26299714122838008416507544297546663599715395525154425586041245287750224561854"), "0.8232357229934205790595761924514048157652891124687533667363938813600770093316"},
		{"next after 0.234", next("0.234"), "0.547830802749402616364646686795722512609112766306951592422621788875312684400211"},
		{"first ticket of cat", FirstFraction("cat", "xy()134!g2n"), "0.24866413894129579898796850445568128508290132707747976039848637531569373309555"},
		{"first ticket of dog", FirstFraction("dog", "xy()134!g2n"), "0.33886035615681875183111698317327684455682722683976874746986356932751818935066"},
		{"first ticket of goat", FirstFraction("goat", "xy()134!g2n"), "0.49599842072022713663423753308080171636735689997237236247068925068573448764387"},
		{"trim keeps leading nines", Trim("0.9991234567890", 4), "0.9991234"},
		{"trim of a short ticket", Trim("0.25", 9), "0.25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got  %s\nwant %s", tt.got, tt.want)
			}
		})
	}
}

func TestNextFractionIsLarger(t *testing.T) {
	for _, x := range []string{"0.", "0.0", "0.5", "0.9", "0.99999", "0.999999999999999999999999999999999999999999999999999999999999999999999999999999999", "0.123"} {
		t.Run(x, func(t *testing.T) {
			y, err := NextFraction(x)
			if err != nil {
				t.Fatal(err)
			}
			if y <= x+"0" || !validFraction(y) {
				t.Errorf("NextFraction(%s) = %s, not a larger ticket", x, y)
			}
		})
	}
}

func TestNextFractionRefusesNonTickets(t *testing.T) {
	for _, x := range []string{"", "0", "1.5", "0,5", "0.5a", "-0.5", ".5", "0.5 "} {
		t.Run(fmt.Sprintf("%q", x), func(t *testing.T) {
			if _, err := NextFraction(x); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("NextFraction(%q): error %v, want EINVALID", x, err)
			}
		})
	}
}

func TestSampleRivestExamples(t *testing.T) {
	t.Run("with replacement, ids only", func(t *testing.T) {
		got, err := Sample([]string{"A#2", "B#7", "C#1", "D#4"}, "314159", true, 0, 8, 9)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tk := range got {
			ids = append(ids, tk.ID)
		}
		want := []string{"D#4", "C#1", "C#1", "B#7", "A#2", "C#1", "D#4", "B#7"}
		if !slices.Equal(ids, want) {
			t.Errorf("got %v, want %v", ids, want)
		}
	})
	t.Run("without replacement, nine digits", func(t *testing.T) {
		got, err := Sample([]string{"ab-1", "ab-2", "cd-1", "ef-3"}, "314159", false, 0, 1000, 9)
		if err != nil {
			t.Fatal(err)
		}
		want := []Ticket{{"0.317685817", "cd-1", 1}, {"0.832984519", "ef-3", 1}, {"0.9098039269", "ab-1", 1}, {"0.9231549043", "ab-2", 1}}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// Arlo's draw_sample (server/audit_math/sampler.py) samples ballots
// (batch, position) with replacement, 18 digits; expected values from
// server/tests/audit_math/snapshots/snap_test_sampler.py, "test_draw_sample
// 1" and "test_draw_more_samples 2".
func TestSampleArloBallots(t *testing.T) {
	var ids []string
	for b := 1; b <= 4; b++ {
		for pos := 1; pos <= 25; pos++ {
			ids = append(ids, fmt.Sprintf("('pct %d', %d)", b, pos))
		}
	}
	want := []Ticket{
		{"0.000617786129909912", "('pct 2', 3)", 1}, {"0.002991631653037245", "('pct 3', 24)", 1},
		{"0.012057030610635061", "('pct 1', 25)", 1}, {"0.017930028930651931", "('pct 4', 19)", 1},
		{"0.025599454926985137", "('pct 3', 15)", 1}, {"0.045351055354441163", "('pct 1', 7)", 1},
		{"0.063913979803461405", "('pct 1', 8)", 1}, {"0.064553852798863609", "('pct 1', 22)", 1},
		{"0.078998835671540970", "('pct 1', 20)", 1}, {"0.090240829778172783", "('pct 3', 12)", 1},
		{"0.096136506157297637", "('pct 1', 20)", 2}, {"0.104280162683637014", "('pct 4', 17)", 1},
		{"0.108948480696023984", "('pct 1', 25)", 2}, {"0.111195681310332785", "('pct 1', 4)", 1},
		{"0.114438612046531251", "('pct 4', 3)", 1}, {"0.130457464320709301", "('pct 2', 1)", 1},
		{"0.133484785501449819", "('pct 1', 12)", 1}, {"0.134519219670087860", "('pct 3', 20)", 1},
		{"0.135840440920085144", "('pct 3', 10)", 1}, {"0.138772253094235762", "('pct 4', 20)", 1},
	}
	t.Run("twenty draws", func(t *testing.T) {
		got, err := Sample(ids, arloSeed, true, 0, 20, 18)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
	t.Run("second round of ten extends the first", func(t *testing.T) {
		got, err := Sample(ids, arloSeed, true, 10, 10, 18)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want[10:]) {
			t.Errorf("got  %v\nwant %v", got, want[10:])
		}
	})
}

func TestSampleRefuses(t *testing.T) {
	tests := []struct {
		name       string
		ids        []string
		drop, take int
		digits     int
	}{
		{"duplicate ids", []string{"a", "b", "a"}, 0, 2, 9},
		{"negative take", []string{"a"}, 0, -1, 9},
		{"negative drop", []string{"a"}, -1, 1, 9},
		{"no digits", []string{"a"}, 0, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Sample(tt.ids, "1", false, tt.drop, tt.take, tt.digits); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("error %v, want EINVALID", err)
			}
		})
	}
}

// A corrupted ticket or seed must change the draw: probes in the spirit of
// the known-answer vectors.
func TestTicketsDependOnEveryInput(t *testing.T) {
	base := FirstFraction("AB-130", "01382438112797316654")
	for _, tt := range []struct{ name, id, seed string }{
		{"one seed digit changed", "AB-130", "01382438112797316655"},
		{"seed with a leading space", "AB-130", " 01382438112797316654"},
		{"id case changed", "ab-130", "01382438112797316654"},
		{"id and seed swapped", "01382438112797316654", "AB-130"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if FirstFraction(tt.id, tt.seed) == base {
				t.Error("ticket did not change")
			}
		})
	}
}

func TestParseSeed(t *testing.T) {
	tests := []struct {
		name, seed string
		ok         bool
	}{
		{"twenty dice", "01382438112797316654", true},
		{"forty dice", "0138243811279731665401382438112797316654", true},
		{"nineteen dice", "0138243811279731665", false},
		{"a space between groups", "01382 43811 27973 16654", false},
		{"letters", "0138243811279731665a", false},
		{"a sign", "+01382438112797316654", false},
		{"empty", "", false},
		{"too long", string(make([]byte, MaxSeedDigits+1)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSeed(tt.seed)
			if tt.ok != (err == nil) {
				t.Fatalf("ParseSeed(%q) error %v, want ok=%v", tt.seed, err, tt.ok)
			}
			if err != nil && actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("error code %s, want EINVALID", actas.ErrorCode(err))
			}
			if err == nil && got != tt.seed {
				t.Errorf("got %q, want it unchanged", got)
			}
		})
	}
}
