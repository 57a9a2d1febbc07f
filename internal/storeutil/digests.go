package storeutil

import (
	"runtime"
	"sync"

	"github.com/actasproject/actas"
)

// parallelDigestsFrom is the batch size from which Digests shares the work
// between cores: below it, starting goroutines costs more than it saves.
const parallelDigestsFrom = 16384

// Digests sets digests[i] to the digest of subs[i]'s sheet (leaving it zero
// for a nil submission, which the caller refuses), using every core for a
// big batch: an import of a million sheets spends a good part of its
// checking time here. digests must be as long as subs.
func Digests(subs []*actas.Submission, digests [][32]byte) {
	workers := runtime.GOMAXPROCS(0)
	if len(subs) < parallelDigestsFrom || workers == 1 {
		digestRange(subs, digests)
		return
	}
	var wg sync.WaitGroup
	per := (len(subs) + workers - 1) / workers
	for lo := 0; lo < len(subs); lo += per {
		hi := min(lo+per, len(subs))
		wg.Go(func() { digestRange(subs[lo:hi], digests[lo:hi]) })
	}
	wg.Wait()
}

func digestRange(subs []*actas.Submission, digests [][32]byte) {
	for i, s := range subs {
		if s != nil {
			digests[i] = s.Sheet.Digest()
		}
	}
}
