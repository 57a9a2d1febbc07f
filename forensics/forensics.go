package forensics

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/actasproject/actas"
)

// Defaults applied to zero fields of Options.
const (
	DefaultReplicates = 1000  // Monte-Carlo replicates of the integer-percent null
	DefaultBootstrap  = 1000  // bootstrap replicates of the second-digit mean
	DefaultConfidence = 0.95  // of the second-digit interval
	DefaultAlpha      = 0.001 // p-value below which a test flags
	DefaultMinCount   = 10    // digit tests look at vote counts of at least this
	DefaultBins       = 100   // fingerprint bins per axis (1% × 1%)
	DefaultCorner     = 0.9   // fingerprint corner: turnout and share above this
	DefaultMaxListed  = 1000  // impossible sheets listed (all are counted)
)

// Options tune the analyses. The zero value selects every default; a
// field out of range is an EINVALID error naming it.
type Options struct {
	// Leader is the id of the choice whose share the fingerprint and the
	// integer-percent test examine; "" selects the choice with the most
	// votes in the panel.
	Leader string

	// Seed fixes every random draw (zero is a seed like any other).
	Seed uint64

	// Replicates of the integer-percent null: 100 to 100,000; default 1,000.
	Replicates int

	// Bootstrap replicates of the second-digit mean: 100 to 100,000;
	// default 1,000.
	Bootstrap int

	// Confidence of the second-digit bootstrap interval, in (0, 1);
	// default 0.95.
	Confidence float64

	// Alpha is the p-value below which a test flags, in (0, 0.5); default
	// 0.001: the panels are large and the tests many, so a small
	// deviation is "significant" long before it matters.
	Alpha float64

	// MinCount is the least vote count the digit tests look at (at least
	// 10, so that every count has a last two digits and a second digit);
	// default 10.
	MinCount int64

	// Bins per axis of the fingerprint, 10 to 1,000; default 100.
	Bins int

	// Corner of the fingerprint: stations with turnout and leader's share
	// both above it, in [0.5, 1); default 0.9.
	Corner float64

	// MaxListed is how many impossible sheets are listed, worst first
	// (all are counted); default 1,000, negative for all.
	MaxListed int

	// Workers share the Monte Carlo; default runtime.GOMAXPROCS(0). It
	// changes the speed, never the result.
	Workers int
}

// withDefaults returns o with defaults applied, or an EINVALID error
// naming the field and its allowed values.
func (o Options) withDefaults() (Options, error) {
	if o.Replicates == 0 {
		o.Replicates = DefaultReplicates
	}
	if o.Bootstrap == 0 {
		o.Bootstrap = DefaultBootstrap
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if o.MinCount == 0 {
		o.MinCount = DefaultMinCount
	}
	if o.Bins == 0 {
		o.Bins = DefaultBins
	}
	if o.Corner == 0 {
		o.Corner = DefaultCorner
	}
	if o.MaxListed == 0 {
		o.MaxListed = DefaultMaxListed
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.Replicates < 100 || o.Replicates > 100_000:
		return o, actas.Errorf(actas.EINVALID, "forensics: replicates %d must be between 100 and 100000", o.Replicates)
	case o.Bootstrap < 100 || o.Bootstrap > 100_000:
		return o, actas.Errorf(actas.EINVALID, "forensics: bootstrap %d must be between 100 and 100000", o.Bootstrap)
	case !(o.Confidence > 0 && o.Confidence < 1):
		return o, actas.Errorf(actas.EINVALID, "forensics: confidence %g must be between 0 and 1 (e.g. 0.95)", o.Confidence)
	case !(o.Alpha > 0 && o.Alpha < 0.5):
		return o, actas.Errorf(actas.EINVALID, "forensics: alpha %g must be between 0 and 0.5 (e.g. 0.001)", o.Alpha)
	case o.MinCount < 10:
		return o, actas.Errorf(actas.EINVALID, "forensics: min count %d must be at least 10: smaller counts have no last two digits", o.MinCount)
	case o.Bins < 10 || o.Bins > 1000:
		return o, actas.Errorf(actas.EINVALID, "forensics: bins %d must be between 10 and 1000", o.Bins)
	case !(o.Corner >= 0.5 && o.Corner < 1):
		return o, actas.Errorf(actas.EINVALID, "forensics: corner %g must be at least 0.5 and below 1 (e.g. 0.9)", o.Corner)
	case o.Workers < 0:
		return o, actas.Errorf(actas.EINVALID, "forensics: workers %d is negative", o.Workers)
	}
	return o, nil
}

// Names of the tests, as the JSON output and the command line show them.
const (
	NameFingerprint    = "fingerprint"
	NameIntegerPercent = "integer-percent"
	NameLastDigit      = "last-digit"
	NameAdjacentPair   = "adjacent-pair"
	NameSecondDigit    = "second-digit"
	NameImpossible     = "impossible-sheets"
)

// Caveat is said once for every report: users stake their safety on how
// these results are read.
const Caveat = "A flag is a reason to look closer, not proof of fraud: honest elections produce each of these patterns " +
	"for innocent reasons, and fraud can leave none of them. Check the flagged stations' sheets, photos and witnesses."

// Test is one test's summary, in the `forensics` JSON shape of DESIGN.md.
// P-value, excess and sd are null where the test has none.
type Test struct {
	Name      string   `json:"name"`
	Statistic float64  `json:"statistic"`
	PValue    *float64 `json:"p_value"`
	Excess    *float64 `json:"excess"`
	SD        *float64 `json:"sd"`
	Flag      bool     `json:"flag"`
	Note      string   `json:"note"`
	// Skipped says why the test could not run on this panel (too few
	// stations or counts); its numbers are then zero.
	Skipped string `json:"skipped,omitempty"`
}

// Report is the outcome of every analysis on one panel.
type Report struct {
	Election string       `json:"election"`
	Contest  string       `json:"contest"`
	Source   actas.Source `json:"source"`
	Leader   string       `json:"leader"` // the choice the leader-share analyses examine
	Stations int          `json:"stations"`
	Counted  int          `json:"stations_counted"` // stations with a sheet
	Caveat   string       `json:"caveat"`
	Tests    []Test       `json:"tests"`

	// The full results behind Tests; nil for a skipped test.
	Fingerprint    *FingerprintResult    `json:"fingerprint,omitempty"`
	IntegerPercent *IntegerPercentResult `json:"integer_percent,omitempty"`
	LastDigit      *LastDigitResult      `json:"last_digit,omitempty"`
	AdjacentPair   *AdjacentPairResult   `json:"adjacent_pair,omitempty"`
	SecondDigit    *SecondDigitResult    `json:"second_digit,omitempty"`
	Impossible     *ImpossibleResult     `json:"impossible_sheets,omitempty"`
}

// Run performs every analysis on the panel. A test the panel cannot
// support (e.g. no vote count of at least MinCount) is reported as skipped
// with the reason; the other tests still run. Errors: EINVALID for bad
// options or an unknown Leader, ENOTFOUND when the panel has no sheet.
func Run(p *actas.Panel, o Options) (*Report, error) {
	o, leader, err := prepare(p, o)
	if err != nil {
		return nil, err
	}
	o.Leader = p.Contest.Choices[leader].ID
	r := &Report{
		Contest: p.Contest.ID, Source: p.Source, Leader: o.Leader,
		Stations: len(p.Stations), Counted: p.Counted(), Caveat: Caveat,
	}
	if p.Election != nil {
		r.Election = p.Election.ID
	}
	// add records a test's summary, or why the panel cannot support it;
	// any other error is a bug or the caller's and stops the run.
	add := func(name string, res interface{ Test() Test }, err error) error {
		if err == nil {
			r.Tests = append(r.Tests, res.Test())
			return nil
		}
		if code := actas.ErrorCode(err); code != actas.EINVALID && code != actas.ENOTFOUND {
			return err
		}
		msg := actas.ErrorMessage(err)
		r.Tests = append(r.Tests, Test{Name: name, Skipped: msg, Note: "Not computed: " + msg})
		return nil
	}
	r.Fingerprint, err = Fingerprint(p, o)
	if err := add(NameFingerprint, r.Fingerprint, err); err != nil {
		return nil, err
	}
	r.IntegerPercent, err = IntegerPercent(p, o)
	if err := add(NameIntegerPercent, r.IntegerPercent, err); err != nil {
		return nil, err
	}
	r.LastDigit, err = LastDigit(p, o)
	if err := add(NameLastDigit, r.LastDigit, err); err != nil {
		return nil, err
	}
	r.AdjacentPair, err = AdjacentPair(p, o)
	if err := add(NameAdjacentPair, r.AdjacentPair, err); err != nil {
		return nil, err
	}
	r.SecondDigit, err = SecondDigit(p, o)
	if err := add(NameSecondDigit, r.SecondDigit, err); err != nil {
		return nil, err
	}
	r.Impossible, err = ImpossibleSheets(p, o)
	if err := add(NameImpossible, r.Impossible, err); err != nil {
		return nil, err
	}
	return r, nil
}

// prepare checks the panel and options and returns the options with
// defaults and the leader's choice index.
func prepare(p *actas.Panel, o Options) (Options, int, error) {
	if p == nil || p.Contest == nil {
		return o, 0, actas.Errorf(actas.EINVALID, "forensics: no panel (or a panel without its contest)")
	}
	if len(p.Sheets) != len(p.Stations) {
		return o, 0, actas.Errorf(actas.EINVALID, "forensics: panel has %d sheets for %d stations", len(p.Sheets), len(p.Stations))
	}
	o, err := o.withDefaults()
	if err != nil {
		return o, 0, err
	}
	k := len(p.Contest.Choices)
	if k == 0 {
		return o, 0, actas.Errorf(actas.EINVALID, "forensics: contest %s has no choices", p.Contest.ID)
	}
	totals := make([]int64, k)
	counted := 0
	for i, s := range p.Sheets {
		if s == nil {
			continue
		}
		// Tabulated sheets passed actas.CheckForm; a panel built otherwise
		// must still keep every sum far from overflowing.
		if err := actas.CheckForm(s, p.Contest); err != nil {
			return o, 0, fmt.Errorf("forensics: %w", err)
		}
		if reg := p.Stations[i].Registered; reg < 0 || reg > actas.MaxCount {
			return o, 0, actas.Errorf(actas.EINVALID, "forensics: station %s: registered voters (%d) are not between 0 and %d", p.Stations[i].Code, reg, int64(actas.MaxCount))
		}
		counted++
		for j, v := range s.Votes {
			totals[j] += v
		}
	}
	if counted == 0 {
		return o, 0, actas.Errorf(actas.ENOTFOUND, "forensics: no %s sheet for contest %s: nothing to test", p.Source, p.Contest.ID)
	}
	if o.Leader != "" {
		i := p.Contest.ChoiceIndex(o.Leader)
		if i < 0 {
			return o, 0, actas.Errorf(actas.EINVALID, "forensics: leader %q is not a choice of contest %s; use one of %s",
				o.Leader, p.Contest.ID, strings.Join(p.Contest.ChoiceIDs(), ", "))
		}
		return o, i, nil
	}
	leader := 0
	for j, v := range totals {
		if v > totals[leader] {
			leader = j
		}
	}
	return o, leader, nil
}

// f returns a pointer to v, for the nullable numbers of Test; NaN and
// infinities, which JSON cannot carry, become null.
func f(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// blockSize is the number of stations a random stream covers: results
// depend on the seed and the block, never on which worker drew them.
const blockSize = 4096

// parallelBlocks calls fn(w, lo, hi) for every block [lo, hi) of n items,
// on up to workers goroutines; w names the calling worker (0 ≤ w <
// workers) so that it can keep its own accumulators.
func parallelBlocks(n, workers int, fn func(w, block, lo, hi int)) {
	blocks := (n + blockSize - 1) / blockSize
	workers = max(1, min(workers, blocks))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				fn(w, b, b*blockSize, min(n, (b+1)*blockSize))
			}
		}()
	}
	wg.Wait()
}
