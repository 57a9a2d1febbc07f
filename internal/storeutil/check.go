package storeutil

import (
	"slices"
	"time"
	"unicode/utf8"

	"github.com/actasproject/actas"
)

// SourceIndex returns the index of s in actas.Sources, which a store keeps
// in a sheet key's few bits.
func SourceIndex(s actas.Source) (uint8, bool) {
	for i, src := range actas.Sources {
		if src == s {
			return uint8(i), true
		}
	}
	return 0, false
}

// knownFlags are the flags actas defines: a log entry names each flag, so
// an unnamed one cannot be logged.
var knownFlags = func() actas.Flags {
	var f actas.Flags
	for _, x := range actas.AllFlags() {
		f |= x
	}
	return f
}()

// CheckLogged refuses what a log entry could not state as it will read
// back: flags without a name, and evidence that is not UTF-8 text (stored
// as JSON, which would replace the bytes). Errors: EINVALID, naming the
// station.
func CheckLogged(s *actas.Submission) error {
	if s.Flags&^knownFlags != 0 {
		return actas.Errorf(actas.EINVALID, "station %s: unknown flags %#x", s.Sheet.Station, uint32(s.Flags&^knownFlags))
	}
	for i, ev := range s.Evidence {
		if !utf8.ValidString(ev.Kind) || !utf8.ValidString(ev.SHA256) || !utf8.ValidString(ev.URL) || !utf8.ValidString(ev.Text) {
			return actas.Errorf(actas.EINVALID, "station %s: evidence %d is not UTF-8 text", s.Sheet.Station, i+1)
		}
	}
	return nil
}

// CheckSnapshot checks a turnout snapshot's form: a time within the day,
// voters not negative, a known source. Errors: EINVALID, naming the scope.
func CheckSnapshot(s *actas.Snapshot) error {
	where := s.Scope
	if !s.Station {
		where = actas.DisplayPath(s.Scope)
	}
	if s.Time < 0 || s.Time > 24*60 {
		return actas.Errorf(actas.EINVALID, "snapshot of %s: time %d is not minutes of a day", where, s.Time)
	}
	if s.Voters < 0 {
		return actas.Errorf(actas.EINVALID, "snapshot of %s at %s: voters are negative (%d)", where, actas.FormatClock(s.Time), s.Voters)
	}
	if _, ok := SourceIndex(s.Source); !ok {
		_, err := actas.ParseSource(string(s.Source), false)
		return actas.Errorf(actas.EINVALID, "snapshot of %s at %s: %s", where, actas.FormatClock(s.Time), actas.ErrorMessage(err))
	}
	return nil
}

// CheckExpiry checks that expires, the expiry of what (a code, a session),
// lies in (now, now+actas.MaxCodeValidity]. Errors: EINVALID.
func CheckExpiry(what string, expires, now time.Time) error {
	if !expires.After(now) {
		return actas.Errorf(actas.EINVALID, "%s: expiry %s is not in the future", what, expires.UTC().Format(time.RFC3339Nano))
	}
	if expires.Sub(now) > actas.MaxCodeValidity {
		return actas.Errorf(actas.EINVALID, "%s: expiry %s is more than %v away", what, expires.UTC().Format(time.RFC3339Nano), actas.MaxCodeValidity)
	}
	return nil
}

// Outcome returns what adding value to a key whose stated values are
// stored does: Present if it was stated before, else New (nothing stored)
// or Differing.
func Outcome[T comparable](stored []T, value T) actas.Outcome {
	switch {
	case len(stored) == 0:
		return actas.New
	case slices.Contains(stored, value):
		return actas.Present
	}
	return actas.Differing
}

// SameHash compares a stored secret's hash with the one looked up, in
// constant time; a stored value of another length never matches.
func SameHash(stored []byte, h [32]byte) bool {
	var s [32]byte
	if copy(s[:], stored) != len(s) || len(stored) != len(s) {
		return false
	}
	return actas.SecretEqual(s, h)
}

// CheckTotal checks the form of an official total of contest c: a choice
// of c or one of actas.TotalFields, votes not negative, a claimed coverage
// in millionths from 0 to 1,000,000, an announcement time (when known)
// within years 1 to 9999. Errors: EINVALID, naming the area.
func CheckTotal(c *actas.Contest, t *actas.OfficialTotal) error {
	if c.ChoiceIndex(t.Choice) < 0 && !slices.Contains(actas.TotalFields, t.Choice) {
		return actas.Errorf(actas.EINVALID, "official total of %s: contest %s has no choice %q (nor is it one of blank, null, ballots, voters, registered)",
			actas.DisplayPath(t.Area), c.ID, t.Choice)
	}
	if t.Votes < 0 {
		return actas.Errorf(actas.EINVALID, "official total of %s, %s: votes are negative (%d)", actas.DisplayPath(t.Area), t.Choice, t.Votes)
	}
	if t.CoveragePPM < 0 || t.CoveragePPM > 1_000_000 {
		return actas.Errorf(actas.EINVALID, "official total of %s, %s: claimed coverage %d millionths is not in 0 to 1000000", actas.DisplayPath(t.Area), t.Choice, t.CoveragePPM)
	}
	if !t.Announced.IsZero() && (t.Announced.Year() < 1 || t.Announced.Year() > 9999) {
		return actas.Errorf(actas.EINVALID, "official total of %s, %s: announced in year %d", actas.DisplayPath(t.Area), t.Choice, t.Announced.Year())
	}
	return nil
}
