package actas

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"
)

// Unknown marks a count a sheet does not state (only Voters may be unknown).
const Unknown = -1

// Sheet is the numbers of one station for one contest as one source states
// them. Votes are in the contest's choice order.
type Sheet struct {
	Station string
	Contest string
	Votes   []int64
	Blank   int64
	Null    int64
	Ballots int64 // all ballots in the box
	Voters  int64 // people recorded as having voted; Unknown when not stated
}

// Valid returns the votes for choices (excluding blank and null).
func (s *Sheet) Valid() int64 {
	var n int64
	for _, v := range s.Votes {
		n += v
	}
	return n
}

// Equal reports whether two sheets state the same numbers.
func (s *Sheet) Equal(o *Sheet) bool {
	if s.Station != o.Station || s.Contest != o.Contest || s.Blank != o.Blank || s.Null != o.Null ||
		s.Ballots != o.Ballots || s.Voters != o.Voters || len(s.Votes) != len(o.Votes) {
		return false
	}
	for i := range s.Votes {
		if s.Votes[i] != o.Votes[i] {
			return false
		}
	}
	return true
}

// Digest is the SHA-256 of the sheet's canonical encoding: two sheets have
// the same digest exactly when they state the same numbers for the same
// station and contest. Stores use it to recognise a sheet seen before.
func (s *Sheet) Digest() [32]byte {
	// Encoded into one buffer, on the stack for a usual sheet, and hashed
	// with one call: a million sheets are digested per import.
	var arr [256]byte
	b := append(arr[:0], "actas-sheet-v1\x00"...)
	b = binary.AppendUvarint(b, uint64(len(s.Station)))
	b = append(b, s.Station...)
	b = binary.AppendUvarint(b, uint64(len(s.Contest)))
	b = append(b, s.Contest...)
	b = binary.AppendVarint(b, int64(len(s.Votes)))
	for _, v := range s.Votes {
		b = binary.AppendVarint(b, v)
	}
	b = binary.AppendVarint(b, s.Blank)
	b = binary.AppendVarint(b, s.Null)
	b = binary.AppendVarint(b, s.Ballots)
	b = binary.AppendVarint(b, s.Voters)
	return sha256.Sum256(b)
}

// Source is who states a sheet.
type Source string

const (
	Witness  Source = "witness"  // an observer's copy of the sheet
	Official Source = "official" // the authority's per-station publication
	Machine  Source = "machine"  // a voting machine's printout or transmission
	QR       Source = "qr"       // decoded from the sheet's QR code
	Audit    Source = "audit"    // a hand count

	// Reconciled is not a source: it names the view of the sheets the project
	// stands behind, derived from all submissions of a station.
	Reconciled Source = "reconciled"
)

// Sources lists every source, in the order pages show them.
var Sources = []Source{Witness, QR, Machine, Audit, Official}

// ParseSource returns the named source; reconciled is accepted only when
// allowReconciled. Errors are EINVALID.
func ParseSource(s string, allowReconciled bool) (Source, error) {
	if allowReconciled && Source(s) == Reconciled {
		return Reconciled, nil
	}
	for _, src := range Sources {
		if string(src) == s {
			return src, nil
		}
	}
	names := make([]string, len(Sources))
	for i, src := range Sources {
		names[i] = string(src)
	}
	if allowReconciled {
		names = append(names, string(Reconciled))
	}
	return "", Errorf(EINVALID, "unknown source %q: use one of %s", s, strings.Join(names, ", "))
}

// Flags is the set of reasons a well-formed sheet is suspicious. A flagged
// sheet is stored and shown, never rejected: an impossible official sheet is
// exactly what users need to see.
type Flags uint32

const (
	// FlagSumMismatch: votes for choices + blank + null ≠ ballots.
	FlagSumMismatch Flags = 1 << iota
	// FlagOverRegistered: ballots (or voters) exceed the registered voters.
	FlagOverRegistered
	// FlagVotersMismatch: voters stated and ≠ ballots.
	FlagVotersMismatch
	// FlagOverCapacity: a count is larger than the station could hold: a
	// single count above its registered voters, or ballots above what its
	// machines could process in voting hours.
	FlagOverCapacity
	// FlagQRMismatch: the sheet's QR payload states other numbers than the
	// sheet, or cannot be read (sheetio.QRFlags). Added after the others:
	// bits are never renumbered, as stored rows and log entries name them.
	FlagQRMismatch
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagSumMismatch, "sum-mismatch"},
	{FlagOverRegistered, "ballots-exceed-registered"},
	{FlagVotersMismatch, "voters-differ-from-ballots"},
	{FlagOverCapacity, "exceeds-capacity"},
	{FlagQRMismatch, "qr-mismatch"},
}

// AllFlags lists every flag, in display order.
func AllFlags() []Flags {
	out := make([]Flags, len(flagNames))
	for i, fn := range flagNames {
		out[i] = fn.f
	}
	return out
}

// Names returns the flags' names, e.g. ["sum-mismatch"]; never nil.
func (f Flags) Names() []string {
	names := []string{}
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			names = append(names, fn.name)
		}
	}
	return names
}

func (f Flags) String() string { return strings.Join(f.Names(), ",") }

// ParseFlags parses a comma-separated list of flag names.
func ParseFlags(s string) (Flags, error) {
	var f Flags
	if s == "" {
		return 0, nil
	}
outer:
	for _, name := range strings.Split(s, ",") {
		for _, fn := range flagNames {
			if fn.name == name {
				f |= fn.f
				continue outer
			}
		}
		return 0, Errorf(EINVALID, "unknown flag %q", name)
	}
	return f, nil
}

// Check returns what is suspicious about a well-formed sheet of station st.
// capacity is Election.Capacity(st) (0 = unknown). A station with 0
// registered voters has no list (e.g. Mexico's special stations), so the
// checks against registered voters are skipped for it.
func Check(s *Sheet, st *Station, capacity int64) Flags {
	var f Flags
	if s.Valid()+s.Blank+s.Null != s.Ballots {
		f |= FlagSumMismatch
	}
	if s.Voters != Unknown && s.Voters != s.Ballots {
		f |= FlagVotersMismatch
	}
	if r := st.Registered; r > 0 {
		if s.Ballots > r || s.Voters > r {
			f |= FlagOverRegistered
		}
		for _, v := range s.Votes {
			if v > r {
				f |= FlagOverCapacity
			}
		}
		if s.Blank > r || s.Null > r {
			f |= FlagOverCapacity
		}
	}
	if capacity > 0 && (s.Ballots > capacity || s.Voters > capacity) {
		f |= FlagOverCapacity
	}
	return f
}

// MaxCount bounds every count of a sheet: no polling station holds a
// trillion ballots, and the bound keeps sums over millions of stations exact.
const MaxCount = 999_999_999_999

// CheckForm validates a sheet's form against its contest: the number of
// votes, and no negative count. Errors are EINVALID and name the field; a
// malformed sheet is rejected, unlike a suspicious one.
func CheckForm(s *Sheet, c *Contest) error {
	if len(s.Votes) != len(c.Choices) {
		return Errorf(EINVALID, "station %s: %d vote counts for contest %s, which has %d choices", s.Station, len(s.Votes), c.ID, len(c.Choices))
	}
	for i, v := range s.Votes {
		if v < 0 || v > MaxCount {
			return Errorf(EINVALID, "station %s: votes for %s (%d) are not between 0 and %d", s.Station, c.Choices[i].ID, v, int64(MaxCount))
		}
	}
	for _, x := range []struct {
		name string
		v    int64
	}{{"blank", s.Blank}, {"null", s.Null}, {"ballots", s.Ballots}} {
		if x.v < 0 || x.v > MaxCount {
			return Errorf(EINVALID, "station %s: %s (%d) is not between 0 and %d", s.Station, x.name, x.v, int64(MaxCount))
		}
	}
	if s.Voters < Unknown || s.Voters > MaxCount {
		return Errorf(EINVALID, "station %s: voters (%d) is not between 0 and %d", s.Station, s.Voters, int64(MaxCount))
	}
	return nil
}
