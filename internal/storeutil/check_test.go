package storeutil

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

func TestCheckStoredEvidence(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	sum := sha256.Sum256(png)
	name := hex.EncodeToString(sum[:])
	mediaType, err := actas.EvidenceType(png)
	if err != nil {
		t.Fatal(err)
	}
	changed := append([]byte(nil), png...)
	changed[20] ^= 1
	for _, tc := range []struct {
		name      string
		mediaType string
		data      []byte
		want      string // "" when served
	}{
		{"the file as stored", mediaType, png, ""},
		{"bytes changed behind the program's back", mediaType, changed, "whose SHA-256 is"},
		{"type changed behind the program's back", "text/html", png, "not of that type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckStoredEvidence("e1", name, tc.mediaType, tc.data)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if actas.ErrorCode(err) != actas.EINTERNAL || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want internal saying %q", err, tc.want)
			}
		})
	}
}

func TestCheckLogged(t *testing.T) {
	for _, tc := range []struct {
		name string
		sub  actas.Submission
		want string
	}{
		{"defined flags", actas.Submission{Flags: knownFlags}, ""},
		{"a flag actas does not define", actas.Submission{Flags: ^knownFlags}, "unknown flags"},
		{"evidence that is not UTF-8", actas.Submission{Evidence: []actas.Evidence{{Kind: "note", Text: "\xff"}}}, "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.sub.Sheet.Station = "001"
			err := CheckLogged(&tc.sub)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want invalid saying %q", err, tc.want)
			}
		})
	}
}

func TestCheckSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name string
		snap actas.Snapshot
		want string
	}{
		{"a witness count at noon", actas.Snapshot{Scope: "001", Station: true, Time: 720, Voters: 10, Source: actas.Witness}, ""},
		{"a time past midnight", actas.Snapshot{Scope: "001", Station: true, Time: 24*60 + 1, Source: actas.Witness}, "not minutes of a day"},
		{"negative voters", actas.Snapshot{Scope: "N/A", Time: 60, Voters: -1, Source: actas.Witness}, "negative"},
		{"an unknown source", actas.Snapshot{Scope: "001", Station: true, Time: 60, Source: "rumour"}, "snapshot of 001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSnapshot(&tc.snap)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want invalid saying %q", err, tc.want)
			}
		})
	}
}

func TestCheckExpiry(t *testing.T) {
	now := time.Date(2024, 7, 28, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		expires time.Time
		want    string
	}{
		{"in an hour", now.Add(time.Hour), ""},
		{"at the longest validity", now.Add(actas.MaxCodeValidity), ""},
		{"now", now, "not in the future"},
		{"past the longest validity", now.Add(actas.MaxCodeValidity + time.Second), "more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckExpiry("code", tc.expires, now)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want invalid saying %q", err, tc.want)
			}
		})
	}
}

func TestOutcome(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored []int64
		value  int64
		want   actas.Outcome
	}{
		{"nothing stated before", nil, 5, actas.New},
		{"the same value stated before", []int64{3, 5}, 5, actas.Present},
		{"another value stated before", []int64{3}, 5, actas.Differing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Outcome(tc.stored, tc.value); got != tc.want {
				t.Fatalf("Outcome(%v, %d) = %v, want %v", tc.stored, tc.value, got, tc.want)
			}
		})
	}
}

func TestSameHash(t *testing.T) {
	h := sha256.Sum256([]byte("secret"))
	other := h
	other[31] ^= 1
	for _, tc := range []struct {
		name   string
		stored []byte
		want   bool
	}{
		{"the hash stored", h[:], true},
		{"a hash differing in one bit", other[:], false},
		{"a stored value cut short", h[:31], false},
		{"a stored value too long", append(h[:], 0), false},
		{"nothing stored", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameHash(tc.stored, h); got != tc.want {
				t.Fatalf("SameHash = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckTotal(t *testing.T) {
	c := &actas.Contest{ID: "president", Choices: []actas.Choice{{ID: "a"}, {ID: "b"}}}
	for _, tc := range []struct {
		name  string
		total actas.OfficialTotal
		want  string
	}{
		{"votes for a candidate", actas.OfficialTotal{Area: "N", Choice: "a", Votes: 10, CoveragePPM: 1_000_000}, ""},
		{"the ballots cast", actas.OfficialTotal{Area: "N", Choice: "ballots", Votes: 10}, ""},
		{"a choice the contest lacks", actas.OfficialTotal{Area: "N", Choice: "z"}, "has no choice"},
		{"negative votes", actas.OfficialTotal{Area: "N", Choice: "a", Votes: -1}, "negative"},
		{"coverage above the whole", actas.OfficialTotal{Area: "N", Choice: "a", CoveragePPM: 1_000_001}, "coverage"},
		{"announced in year 10000", actas.OfficialTotal{Area: "N", Choice: "a", Announced: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "year 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTotal(c, &tc.total)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want invalid saying %q", err, tc.want)
			}
		})
	}
}
