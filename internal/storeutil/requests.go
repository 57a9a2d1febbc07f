package storeutil

import "github.com/actasproject/actas"

// CheckRequests checks the form of requests whose idempotency keys are to
// be kept: each present, with a valid key and, when withSeq (the answer is
// the caller's, as in RememberRequests), a log index not negative.
// Errors: EINVALID.
func CheckRequests(reqs []*actas.RememberedRequest, withSeq bool) error {
	for i, r := range reqs {
		if r == nil {
			return actas.Errorf(actas.EINVALID, "request %d is missing", i+1)
		}
		if err := actas.CheckIdempotencyKey(r.Key); err != nil {
			return err
		}
		if withSeq && r.Seq < 0 {
			return actas.Errorf(actas.EINVALID, "idempotency key: log index %d is negative", r.Seq)
		}
	}
	return nil
}

// Kept is what MarkRequests found of a batch's requests: First[i] is -1
// when request i's key was kept before the batch, i when it is new, and the
// index of the first request with the same key otherwise.
type Kept struct{ First []int }

// MarkRequests finds which requests of a batch (SubmitRemembering) store
// nothing, setting skip[i] for them: those whose key was kept before, and
// those repeating a key of an earlier request of the batch. account checks
// that each request's account exists; kept reports whether a request's key
// was kept before, setting its Kept fields when it was. The first error of
// either is returned.
func MarkRequests(reqs []*actas.RememberedRequest, skip []bool, account func(id int64) error, kept func(r *actas.RememberedRequest) (bool, error)) (*Kept, error) {
	type accountKey struct {
		account int64
		key     string
	}
	k := &Kept{First: make([]int, len(reqs))}
	seen := make(map[accountKey]int, len(reqs))
	for i, r := range reqs {
		if err := account(r.Account); err != nil {
			return nil, err
		}
		ak := accountKey{r.Account, r.Key}
		if j, ok := seen[ak]; ok {
			k.First[i], skip[i] = j, true
			continue
		}
		seen[ak] = i
		k.First[i] = i
		found, err := kept(r)
		if err != nil {
			return nil, err
		}
		if found {
			k.First[i], skip[i] = -1, true
		}
	}
	return k, nil
}

// New calls keep for each request whose key the batch keeps (not kept
// before, first of its key), in order, stopping at its first error.
func (k *Kept) New(reqs []*actas.RememberedRequest, keep func(i int, r *actas.RememberedRequest) error) error {
	for i, r := range reqs {
		if k.First[i] == i {
			if err := keep(i, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// Follow gives each request repeating an earlier request's key the Kept
// fields of that request, once those are set.
func (k *Kept) Follow(reqs []*actas.RememberedRequest) {
	for i, r := range reqs {
		if j := k.First[i]; j >= 0 && j < i {
			r.KeptSeq, r.KeptRequest = reqs[j].KeptSeq, reqs[j].KeptRequest
		}
	}
}
