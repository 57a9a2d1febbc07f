package logpage_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/logpage"
	"github.com/actasproject/actas/translog"
)

// pageStore is a database of pages in memory, written as a store writes
// them: a new page is inserted, a grown one must still hold what it held.
type pageStore struct {
	pages map[int64][]byte
}

func (s *pageStore) write(p logpage.Page) error {
	old, ok := s.pages[p.Num]
	if p.Held == 0 && ok || p.Held > 0 && (!ok || len(old) != p.Held || !bytes.Equal(old, p.Hashes[:p.Held])) {
		return fmt.Errorf("page %d written over (held %d, stored %d bytes)", p.Num, p.Held, len(old))
	}
	s.pages[p.Num] = bytes.Clone(p.Hashes)
	return nil
}

func (s *pageStore) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	out := make([]translog.Hash, len(indexes))
	for k, i := range indexes {
		page := s.pages[i/logpage.HashesPerPage]
		off := int(i%logpage.HashesPerPage) * logpage.HashSize
		if off+logpage.HashSize > len(page) {
			return nil, logpage.NoHash("e", i)
		}
		copy(out[k][:], page[off:])
	}
	return out, nil
}

// extent returns the extent of a store holding a log of rows entries.
func (s *pageStore) extent(rows int64) logpage.Extent {
	x := logpage.Extent{Rows: rows}
	last := int64(-1)
	for p := range s.pages {
		last = max(last, p)
	}
	x.SetLastPage(last, int64(len(s.pages[last])))
	if len(s.pages[last]) < logpage.PageBytes {
		x.Tail = s.pages[last]
	}
	return x
}

// MustAppend appends n entries to the log s holds of size entries, in one
// transaction resumed with known, and returns the edge it leaves.
func MustAppend(tb testing.TB, s *pageStore, size, n int64, known *logpage.Edge) *logpage.Edge {
	tb.Helper()
	a, err := logpage.Resume("e", s.extent(size), known, s)
	if err != nil {
		tb.Fatalf("Resume at %d: %v", size, err)
	}
	a.Emit = s.write
	for i := range n {
		if err := a.Append([]byte(fmt.Sprintf("entry %d", size+i))); err != nil {
			tb.Fatalf("Append: %v", err)
		}
	}
	if err := a.Finish(); err != nil {
		tb.Fatalf("Finish: %v", err)
	}
	if a.Start() != size || a.Size() != size+n {
		tb.Fatalf("appender from %d to %d, want %d to %d", a.Start(), a.Size(), size, size+n)
	}
	edge, err := a.EdgeAfter()
	if err != nil {
		tb.Fatalf("EdgeAfter: %v", err)
	}
	return edge
}

// The pages written in several transactions hold exactly the hashes one
// translog.Appender computes for the whole log, whether each transaction
// reads the log's edge or takes the one the previous left.
func TestAppenderPages(t *testing.T) {
	for _, tc := range []struct {
		name      string
		batches   []int64
		keepEdges bool
	}{
		{"one entry (a new election)", []int64{1}, false},
		{"a page's worth at once", []int64{1, 40}, false},
		{"many small transactions reading the edge", []int64{1, 1, 2, 3, 5, 8, 13, 21, 34}, false},
		{"many small transactions reusing the edge", []int64{1, 1, 2, 3, 5, 8, 13, 21, 34}, true},
		{"an import of many pages", []int64{1, 1000, 7}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &pageStore{pages: map[int64][]byte{}}
			var edge *logpage.Edge
			var size int64
			for _, n := range tc.batches {
				if !tc.keepEdges {
					edge = nil
				}
				edge = MustAppend(t, s, size, n, edge)
				size += n
			}
			want := translog.NewAppender(0, logpage.EdgeReader{})
			var all []byte
			for i := range size {
				hs, err := want.Append([]byte(fmt.Sprintf("entry %d", i)))
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range hs {
					all = append(all, h[:]...)
				}
			}
			var got []byte
			for p := int64(0); p < int64(len(s.pages)); p++ {
				got = append(got, s.pages[p]...)
			}
			if !bytes.Equal(got, all) {
				t.Fatalf("pages hold %d bytes of hashes, which differ from the %d the log stores", len(got), len(all))
			}
			x := s.extent(size)
			if n, err := x.CheckedSize("e"); err != nil || n != size || x.Size() != size {
				t.Fatalf("extent of the log of %d: checked %d (%v), size %d", size, n, err, x.Size())
			}
		})
	}
}

// A log whose rows and pages disagree is damaged, and nothing resumes it.
func TestDamagedLog(t *testing.T) {
	s := &pageStore{pages: map[int64][]byte{}}
	MustAppend(t, s, 0, 50, nil)
	short := s.extent(50)
	short.Tail = short.Tail[:len(short.Tail)-1]
	for _, tc := range []struct {
		name string
		x    logpage.Extent
	}{
		{"rows claim an entry the pages lack", s.extent(51)},
		{"pages hold an entry no row claims", s.extent(49)},
		{"the last page is cut short", short},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := logpage.Resume("e", tc.x, nil, s)
			if actas.ErrorCode(err) != actas.EINTERNAL {
				t.Fatalf("Resume: %v, want an internal error saying the log is damaged", err)
			}
			if tc.x.Size() < tc.x.Rows {
				t.Fatalf("size %d is less than the %d entries the rows claim", tc.x.Size(), tc.x.Rows)
			}
		})
	}
}

func TestSizeOfHashes(t *testing.T) {
	for n := range int64(300) {
		count := translog.StoredHashCount(n)
		if got := logpage.SizeOfHashes(count); got != n {
			t.Fatalf("SizeOfHashes(%d) = %d, want %d", count, got, n)
		}
		if got := logpage.SizeOfHashes(translog.StoredHashCount(n+1) - 1); got != n {
			t.Fatalf("SizeOfHashes of one hash short of %d entries = %d, want %d", n+1, got, n)
		}
	}
}

func TestPageCache(t *testing.T) {
	var nilCache *logpage.PageCache[int64]
	nilCache.Put(1, 0, make([]byte, logpage.PageBytes))
	if _, ok := nilCache.Get(1, 0); ok {
		t.Fatal("a nil cache returned a page")
	}
	var c logpage.PageCache[int32]
	full := bytes.Repeat([]byte{7}, logpage.PageBytes)
	c.Put(1, 3, full)
	c.Put(1, 4, full[:logpage.HashSize]) // partial: it may still grow
	if got, ok := c.Get(1, 3); !ok || !bytes.Equal(got, full) {
		t.Fatal("a full page put is not returned")
	}
	if _, ok := c.Get(1, 4); ok {
		t.Fatal("a partial page was kept")
	}
	if _, ok := c.Get(2, 3); ok {
		t.Fatal("another election's page was returned")
	}
	for p := range int64(logpage.PagesCached + 10) {
		c.Put(5, p, full)
	}
	n := 0
	for p := range int64(logpage.PagesCached + 10) {
		if _, ok := c.Get(5, p); ok {
			n++
		}
	}
	if n > logpage.PagesCached {
		t.Fatalf("the cache holds %d pages, more than its bound %d", n, logpage.PagesCached)
	}
}
