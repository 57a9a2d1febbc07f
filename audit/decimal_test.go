package audit

import (
	"math/big"
	"testing"
)

// Python decimal (default context) results, from Python itself or from
// Arlo's snapshots (server/tests/audit_math/snapshots/snap_test_macro.py).
func TestDecimalMatchesPython(t *testing.T) {
	q := func(a, b int64) *dec { return decQuo(decInt(a), decInt(b)) }
	tests := []struct {
		name string
		got  *dec
		want string // Python's str(), without trailing zeros of exact results
	}{
		{"1/3", q(1, 3), "0.3333333333333333333333333333"},
		{"2/3 rounds up", q(2, 3), "0.6666666666666666666666666667"},
		{"-2/3", q(-2, 3), "-0.6666666666666666666666666667"},
		{"U of test_unauditable_ballots, 50/11", q(50, 11), "4.545454545454545454545454545"},
		{"U of test_pending_ballots, 450/98", q(450, 98), "4.591836734693877551020408163"},
		{"an exact quotient", q(9, 2), "4.5"},
		{"a tie rounds to the even neighbour, down", decAdd(&dec{c: *bigInt("10000000000000000000000000005")}, &dec{}), "1.000000000000000000000000000E+28"},
		{"a tie rounds to the even neighbour, up", decAdd(&dec{c: *bigInt("10000000000000000000000000015")}, &dec{}), "1.000000000000000000000000002E+28"},
		{"just above a tie rounds up", decAdd(&dec{c: *bigInt("100000000000000000000000000051"), e: -1}, &dec{}), "1.000000000000000000000000001E+28"},
		{"ln 0.25", decLn(q(1, 4)), "-1.386294361119890618834464243"},
		{"ln 2", decLn(decInt(2)), "0.6931471805599453094172321215"},
		{"ln 1 is exactly 0", decLn(decInt(1)), "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, ok := parseDecimalString(tt.want)
			if !ok {
				t.Fatalf("bad want %q", tt.want)
			}
			if tt.got.cmp(want) != 0 || decSub(tt.got, want).c.Sign() != 0 {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

// test_pending_ballots' risks, computed in Arlo's order (snapshots 2 and 3):
// three clean batches, then the same with a discrepancy of 2 votes in
// batch 3 (u_3 = 190/98, e_3 = 2/98).
func TestDecimalRiskMatchesArloSnapshot(t *testing.T) {
	one := decInt(1)
	u := decQuo(decInt(450), decInt(98))
	pm := decSub(one, decQuo(one, u))
	p := one
	for range 3 {
		p = decMul(p, decQuo(pm, decSub(one, &dec{})))
	}
	if got := p.float64(); got != 0.47861956652949245 {
		t.Errorf("clean: %v, want 0.47861956652949245", got)
	}
	taint := decQuo(decQuo(decInt(2), decInt(98)), decQuo(decInt(190), decInt(98)))
	p = one
	p = decMul(p, pm)
	p = decMul(p, pm)
	p = decMul(p, decQuo(pm, decSub(one, taint)))
	if got := p.float64(); got != 0.48371126404576364 {
		t.Errorf("one discrepancy: %v, want 0.48371126404576364", got)
	}
}

func TestDecimalFromFloatIsExact(t *testing.T) {
	for _, f := range []float64{1, 0.1, 0.25, 1e-300, 123456.789, 0.47050754458161864} {
		if got := decFromFloat(f).float64(); got != f {
			t.Errorf("%v round-trips to %v", f, got)
		}
	}
}

func bigInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return v
}

// parseDecimalString parses Python's plain or E notation.
func parseDecimalString(s string) (*dec, bool) {
	return parseDec(s)
}
