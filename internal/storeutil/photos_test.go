package storeutil_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
)

func TestPhotos(t *testing.T) {
	a, b := strings.Repeat("a", 64), strings.Repeat("b", 64)
	sub := func(station string, names ...string) *actas.Submission {
		s := &actas.Submission{Sheet: actas.Sheet{Station: station}}
		for _, n := range names {
			s.Evidence = append(s.Evidence, actas.Evidence{Kind: "photo", SHA256: n})
		}
		return s
	}
	subs := []*actas.Submission{sub("001"), sub("002", b), sub("003", a, b)}
	var p storeutil.Photos
	if err := p.Note(0, subs[0]); err != nil || p != nil {
		t.Fatalf("a submission without photos: %v, %v (want nothing kept)", err, p)
	}
	for i, s := range subs {
		if err := p.Note(i, s); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.Names()) != 2 {
		t.Fatalf("names %q, want the two photos once each", p.Names())
	}
	if err := p.Missing("e", subs, nil); err != nil {
		t.Errorf("nothing missing: %v", err)
	}
	// b is named first by 002: the error names that station.
	err := p.Missing("e", subs, map[string]bool{a: true, b: true})
	var mp *actas.MissingPhotoError
	if actas.ErrorCode(err) != actas.EINVALID || !errors.As(err, &mp) || mp.Station != "002" || mp.SHA256 != b {
		t.Errorf("Missing = %v, want EINVALID naming station 002's photo", err)
	}
	if err := p.Note(3, sub("004", "../x")); actas.ErrorCode(err) != actas.EINVALID {
		t.Errorf("a name that is not a SHA-256: %v, want EINVALID", err)
	}
}
