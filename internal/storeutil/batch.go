package storeutil

import (
	"math"

	"github.com/actasproject/actas"
)

// Batch is one call of a store's Submit, checked, with what both stores
// derive from it before they touch the database.
type Batch struct {
	Subs     []*actas.Submission
	Slots    []int32          // per submission, index into Codes' values
	Codes    map[string]int32 // the batch's distinct station codes, numbered
	Contests []int32          // per submission, its contest's position in the election
	Sources  []uint8          // per submission, its source's index in actas.Sources
	Digests  [][32]byte       // per submission, its sheet's digest
	Pairs    []uint32         // per contest, a bit per source present in the batch
	Photos   Photos           // photo names → first submission naming them; nil without photos
}

// CheckBatch checks the form of subs, submissions to election e (whose id
// is election; contests gives each contest's position), and computes their
// digests on other cores meanwhile. It touches no database. Errors:
// EINVALID naming the first malformed submission's station: a missing
// submission, another election, an unknown contest or source, a sheet
// failing actas.CheckForm, a received time outside years 1–9999, unknown
// flags or evidence that is not text, a photo that is not an evidence
// file's name.
func CheckBatch(e *actas.Election, contests map[string]int, subs []*actas.Submission) (*Batch, error) {
	if len(subs) > math.MaxInt32 {
		return nil, actas.Errorf(actas.EINVALID, "%d submissions in one batch: split it", len(subs))
	}
	b := &Batch{
		Subs:     subs,
		Slots:    make([]int32, len(subs)),
		Codes:    make(map[string]int32, len(subs)),
		Contests: make([]int32, len(subs)),
		Sources:  make([]uint8, len(subs)),
		Digests:  make([][32]byte, len(subs)),
		Pairs:    make([]uint32, len(e.Contests)),
	}
	// Hashing is a third of the work and needs nothing from the rest.
	hashed := make(chan struct{})
	go func() {
		defer close(hashed)
		Digests(subs, b.Digests)
	}()
	defer func() { <-hashed }()
	for i, s := range subs {
		if s == nil {
			return nil, actas.Errorf(actas.EINVALID, "submission %d is missing", i+1)
		}
		if s.Election != "" && s.Election != e.ID {
			return nil, actas.Errorf(actas.EINVALID, "station %s: the submission names election %s, not %s", s.Sheet.Station, s.Election, e.ID)
		}
		ci, ok := contests[s.Sheet.Contest]
		if !ok {
			return nil, actas.Errorf(actas.EINVALID, "station %s: election %s has no contest %q", s.Sheet.Station, e.ID, s.Sheet.Contest)
		}
		si, ok := SourceIndex(s.Source)
		if !ok {
			_, err := actas.ParseSource(string(s.Source), false)
			return nil, actas.Errorf(actas.EINVALID, "station %s: %s", s.Sheet.Station, actas.ErrorMessage(err))
		}
		if err := actas.CheckForm(&s.Sheet, &e.Contests[ci]); err != nil {
			return nil, err
		}
		if y := s.Received.UTC().Year(); y < 1 || y > 9999 {
			return nil, actas.Errorf(actas.EINVALID, "station %s: received time %s is not between years 1 and 9999", s.Sheet.Station, s.Received)
		}
		if err := CheckLogged(s); err != nil {
			return nil, err
		}
		if err := b.Photos.Note(i, s); err != nil {
			return nil, err
		}
		slot, ok := b.Codes[s.Sheet.Station]
		if !ok {
			slot = int32(len(b.Codes))
			b.Codes[s.Sheet.Station] = slot
		}
		b.Slots[i] = slot
		b.Contests[i] = int32(ci)
		b.Sources[i] = si
		b.Pairs[ci] |= 1 << si
	}
	return b, nil
}
