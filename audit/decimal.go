package audit

import (
	"math"
	"math/big"
	"strconv"
)

// dec is a number in Python's decimal module under its default context
// (28 significant digits, ROUND_HALF_EVEN), the arithmetic Arlo's macro.py
// computes error bounds, U and the risk with. Every operation rounds its
// exact result to 28 significant digits, as Python does, so that sample
// weights and risks agree with Arlo to the last bit. The value is c·10^e;
// inf marks Python's Decimal("inf").
type dec struct {
	c   big.Int
	e   int
	inf bool
}

const decDigits = 28

var pow10s = func() []*big.Int {
	p := make([]*big.Int, 120)
	p[0] = big.NewInt(1)
	for i := 1; i < len(p); i++ {
		p[i] = new(big.Int).Mul(p[i-1], big.NewInt(10))
	}
	return p
}()

func pow10(n int) *big.Int {
	if n < len(pow10s) {
		return pow10s[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// numDigits returns the number of decimal digits of |x| (1 for zero).
func numDigits(x *big.Int) int {
	b := x.BitLen()
	if b == 0 {
		return 1
	}
	d := (b-1)*1233>>12 + 1 // ⌊(b−1)·log10 2⌋ + 1: a lower bound, maybe one short
	if x.CmpAbs(pow10(d)) >= 0 {
		d++
	}
	return d
}

func decInt(n int64) *dec {
	d := &dec{}
	d.c.SetInt64(n)
	return d
}

var (
	bigOne = big.NewInt(1)
	bigTen = big.NewInt(10)
)

// decScratch holds the temporaries of decimal operations, so that a loop
// over a million batches reuses them instead of allocating.
type decScratch struct{ a, b, t, q, r big.Int }

// round rounds d to 28 significant digits, half to even.
func (d *dec) round() *dec {
	var s decScratch
	s.round(d)
	return d
}

func (s *decScratch) round(d *dec) {
	if d.inf {
		return
	}
	n := numDigits(&d.c)
	if n <= decDigits {
		return
	}
	drop := n - decDigits
	neg := d.c.Sign() < 0
	s.a.Abs(&d.c)
	s.q.QuoRem(&s.a, pow10(drop), &s.r)
	s.t.Lsh(&s.r, 1)
	if c := s.t.Cmp(pow10(drop)); c > 0 || (c == 0 && s.q.Bit(0) == 1) {
		s.a.Add(&s.q, bigOne)
		s.q.Set(&s.a)
	}
	if neg {
		s.q.Neg(&s.q)
	}
	d.c.Set(&s.q)
	d.e += drop
	if numDigits(&d.c) > decDigits { // 999…9 rounded up to 10^28
		s.q.Quo(&d.c, bigTen)
		d.c.Set(&s.q)
		d.e++
	}
}

// decAdd returns x + y rounded.
func decAdd(x, y *dec) *dec {
	var s decScratch
	d := &dec{}
	s.add(d, x, y)
	return d
}

// add sets d = x + y rounded; d may be x or y.
func (s *decScratch) add(d, x, y *dec) {
	if x.inf || y.inf {
		d.inf = true
		return
	}
	e := min(x.e, y.e)
	s.a.Mul(&x.c, pow10(x.e-e))
	s.b.Mul(&y.c, pow10(y.e-e))
	d.c.Add(&s.a, &s.b)
	d.e, d.inf = e, false
	s.round(d)
}

func decSub(x, y *dec) *dec {
	n := &dec{e: y.e, inf: y.inf}
	n.c.Neg(&y.c)
	return decAdd(x, n)
}

func decMul(x, y *dec) *dec {
	if x.inf || y.inf {
		return &dec{inf: true}
	}
	d := &dec{e: x.e + y.e}
	d.c.Mul(&x.c, &y.c)
	return d.round()
}

// decQuo returns x / y correctly rounded to 28 digits; a zero y gives inf
// (the callers never divide by zero: margins are checked positive first).
func decQuo(x, y *dec) *dec {
	var s decScratch
	d := &dec{}
	s.quo(d, x, y)
	return d
}

// quo sets d = x / y rounded; d may be x or y.
func (s *decScratch) quo(d, x, y *dec) {
	if x.inf || y.inf || y.c.Sign() == 0 {
		d.inf = true
		return
	}
	if x.c.Sign() == 0 {
		d.c.SetInt64(0)
		d.e, d.inf = 0, false
		return
	}
	neg := x.c.Sign() != y.c.Sign()
	e := x.e - y.e
	s.a.Abs(&x.c)
	s.b.Abs(&y.c)
	// Scale so that the integer quotient has at least 30 digits; a nonzero
	// remainder becomes a sticky last digit 1, so that rounding never
	// mistakes a value just off a tie for the tie itself.
	k := max(decDigits+2-numDigits(&s.a)+numDigits(&s.b), 0)
	s.t.Mul(&s.a, pow10(k))
	s.q.QuoRem(&s.t, &s.b, &s.r)
	e -= k
	if s.r.Sign() != 0 {
		s.t.Mul(&s.q, bigTen)
		s.q.Add(&s.t, bigOne)
		e--
	}
	if neg {
		s.q.Neg(&s.q)
	}
	d.c.Set(&s.q)
	d.e, d.inf = e, false
	s.round(d)
}

func (d *dec) cmp(o *dec) int {
	switch {
	case d.inf && o.inf:
		return 0
	case d.inf:
		return 1
	case o.inf:
		return -1
	}
	return decSub(d, o).c.Sign() // exact enough: only the sign is used
}

// rat returns the exact value (not for inf).
func (d *dec) rat() *big.Rat {
	r := new(big.Rat).SetInt(&d.c)
	if d.e > 0 {
		r.Mul(r, new(big.Rat).SetInt(pow10(d.e)))
	} else if d.e < 0 {
		r.Quo(r, new(big.Rat).SetInt(pow10(-d.e)))
	}
	return r
}

// float64 converts as Python's float(Decimal) does: correctly rounded
// (strconv.ParseFloat rounds correctly, as Python's float(str) does).
func (d *dec) float64() float64 {
	if d.inf {
		return math.Inf(1)
	}
	var buf [64]byte
	b := d.c.Append(buf[:0], 10)
	b = append(b, 'e')
	b = strconv.AppendInt(b, int64(d.e), 10)
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && f == 0 && d.c.Sign() != 0 {
		panic("audit: " + err.Error()) // a bug: the text is a number
	}
	return f
}

// String prints the value in plain or scientific notation (for messages
// and tests, not Python's exact formatting).
func (d *dec) String() string {
	if d.inf {
		return "Infinity"
	}
	return d.c.String() + "E" + strconv.Itoa(d.e)
}

// decFromFloat is Python's Decimal(float): the exact binary value.
func decFromFloat(f float64) *dec {
	mant, exp := math.Frexp(f) // f = mant·2^exp, 0.5 ≤ |mant| < 1
	m := int64(mant * (1 << 53))
	exp -= 53
	d := &dec{}
	d.c.SetInt64(m)
	if exp >= 0 {
		d.c.Lsh(&d.c, uint(exp))
		return d
	}
	// m/2^k = m·5^k/10^k
	k := -exp
	d.c.Mul(&d.c, new(big.Int).Exp(big.NewInt(5), big.NewInt(int64(k)), nil))
	d.e = -k
	return d
}

// lnPrec is the binary precision of the logarithm before it is rounded to
// 28 decimal digits: far more than needed for the rounding to be correct
// except for values within 2^-300 of a rounding boundary.
const lnPrec = 320

// decLn returns ln(d) correctly rounded to 28 digits (Python:
// Decimal.ln()); d must be positive and finite.
func decLn(d *dec) *dec {
	x := new(big.Float).SetPrec(lnPrec).SetRat(d.rat())
	if x.Cmp(big.NewFloat(1)) == 0 {
		return &dec{}
	}
	l := bigLn(x)
	s := l.Text('e', decDigits-1) // rounds half to even on the binary value
	out, ok := parseDec(s)
	if !ok {
		panic("audit: cannot parse " + s) // a bug: Text('e') always parses
	}
	return out
}

// parseDec parses "[-]d.ddde±n".
func parseDec(s string) (*dec, bool) {
	mant, exp := s, 0
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' || s[i] == 'E' {
			mant = s[:i]
			n, err := strconv.Atoi(s[i+1:])
			if err != nil {
				return nil, false
			}
			exp = n
			break
		}
	}
	digits := make([]byte, 0, len(mant))
	frac := -1
	for i := 0; i < len(mant); i++ {
		switch c := mant[i]; {
		case c == '.':
			frac = 0
		case c == '-' && i == 0:
			digits = append(digits, c)
		case c >= '0' && c <= '9':
			digits = append(digits, c)
			if frac >= 0 {
				frac++
			}
		default:
			return nil, false
		}
	}
	d := &dec{e: exp - max(frac, 0)}
	if _, ok := d.c.SetString(string(digits), 10); !ok {
		return nil, false
	}
	return d, true
}

// bigLn returns ln x for x > 0 at x's precision: x = m·2^k with m in
// [0.5, 1), ln x = k·ln 2 + 2·atanh((m−1)/(m+1)).
func bigLn(x *big.Float) *big.Float {
	prec := x.Prec() + 32
	m := new(big.Float).SetPrec(prec)
	k := x.MantExp(m)
	res := atanhTimes2(m, prec)
	if k != 0 {
		ln2 := atanhTimes2(new(big.Float).SetPrec(prec).SetFloat64(2), prec)
		res.Add(res, ln2.Mul(ln2, new(big.Float).SetPrec(prec).SetInt64(int64(k))))
	}
	return res
}

// atanhTimes2 returns 2·atanh((m−1)/(m+1)) = ln m by its power series.
func atanhTimes2(m *big.Float, prec uint) *big.Float {
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	z := new(big.Float).SetPrec(prec).Sub(m, one)
	den := new(big.Float).SetPrec(prec).Add(m, one)
	z.Quo(z, den)
	z2 := new(big.Float).SetPrec(prec).Mul(z, z)
	sum := new(big.Float).SetPrec(prec).Set(z)
	term := new(big.Float).SetPrec(prec).Set(z)
	t := new(big.Float).SetPrec(prec)
	eps := new(big.Float).SetPrec(prec).SetMantExp(one, -int(prec)-8)
	for n := int64(3); ; n += 2 {
		term.Mul(term, z2)
		t.Quo(term, new(big.Float).SetPrec(prec).SetInt64(n))
		if t.Sign() == 0 || new(big.Float).Abs(t).Cmp(eps) < 0 {
			break
		}
		sum.Add(sum, t)
	}
	return sum.Mul(sum, new(big.Float).SetPrec(prec).SetInt64(2))
}
