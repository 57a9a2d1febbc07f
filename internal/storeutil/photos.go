package storeutil

import (
	"fmt"

	"github.com/actasproject/actas"
)

// Photos are the photos a batch of submissions names: each name and the
// index of the first submission naming it. nil until a photo is noted, so
// that a batch without photos allocates nothing.
type Photos map[string]int32

// Note records the photos submission i names. Errors: EINVALID for a photo
// whose name is not a SHA-256.
func (p *Photos) Note(i int, s *actas.Submission) error {
	for _, ev := range s.Evidence {
		if ev.Kind != "photo" {
			continue
		}
		if !actas.ValidSHA256(ev.SHA256) {
			return actas.Errorf(actas.EINVALID, "station %s: photo %q is not the name of an evidence file: names are 64 lowercase hexadecimal digits (a SHA-256)", s.Sheet.Station, ClipName(ev.SHA256))
		}
		if *p == nil {
			*p = Photos{}
		}
		if _, ok := (*p)[ev.SHA256]; !ok {
			(*p)[ev.SHA256] = int32(i)
		}
	}
	return nil
}

// Names returns the names noted, in no order.
func (p Photos) Names() []string {
	names := make([]string, 0, len(p))
	for name := range p {
		names = append(names, name)
	}
	return names
}

// Missing reports the photos of subs (the batch the names were noted from)
// that the election does not store: nil when missing is empty, else
// EINVALID with a *actas.MissingPhotoError naming the first submission, in
// batch order, with a missing photo.
func (p Photos) Missing(election string, subs []*actas.Submission, missing map[string]bool) error {
	if len(missing) == 0 {
		return nil
	}
	first := int32(-1)
	for name := range missing {
		if i := p[name]; first < 0 || i < first {
			first = i
		}
	}
	s := subs[first]
	for _, ev := range s.Evidence {
		if ev.Kind == "photo" && missing[ev.SHA256] {
			mp := &actas.MissingPhotoError{Election: election, Station: s.Sheet.Station, SHA256: ev.SHA256}
			return &actas.Error{Code: actas.EINVALID, Message: mp.Error(), Err: mp}
		}
	}
	return fmt.Errorf("photos of %s: submission %d names no missing photo", election, first+1)
}
