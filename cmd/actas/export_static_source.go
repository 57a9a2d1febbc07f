package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// staticSource reads a static copy of a portal (`actas export --static`)
// served by any file server: the same documents as urlSource, at the
// addresses the export gives those the portal answers with a query
// (entries as tlog data tiles, results per level as CSV files), and
// consistency proofs computed from the hash tiles rather than asked for.
// Nothing it reads is trusted: the verifier checks it all against the
// signed checkpoints.
type staticSource struct {
	*urlSource
	info staticInfo

	mu      sync.Mutex
	level   string // key of the level held in areas
	areas   []*actas.AreaDocument
	tiles   map[tlog.Tile][]byte
	tileErr error
}

// portalSource is the source for `log verify --url raw`: a static copy
// when raw serves actas-static.json, the portal's endpoints otherwise.
func portalSource(ctx context.Context, raw string) (logSource, error) {
	u, err := newURLSource(raw)
	if err != nil {
		return nil, err
	}
	b, err := u.get(ctx, staticMeta, nil)
	if actas.ErrorCode(err) == actas.ENOTFOUND {
		return u, nil
	}
	if err != nil {
		return nil, err
	}
	s := &staticSource{urlSource: u, tiles: map[tlog.Tile][]byte{}}
	if err := json.Unmarshal(b, &s.info); err != nil || s.info.Format != staticFormat {
		return nil, actas.Errorf(actas.EINVALID, "%s%s is not a static copy's description (%s)", u.base, staticMeta, staticFormat)
	}
	return s, nil
}

func (s *staticSource) String() string { return s.base.String() + " (static copy)" }

func (s *staticSource) electionID(ctx context.Context, id string) (string, error) {
	if id != "" {
		return id, nil
	}
	switch len(s.info.Elections) {
	case 0:
		return "", actas.Errorf(actas.ENOTFOUND, "the static copy at %s holds no election", s.base)
	case 1:
		return s.info.Elections[0].ID, nil
	}
	return "", actas.Errorf(actas.EINVALID, "the static copy at %s holds %d elections: name one with --election", s.base, len(s.info.Elections))
}

// logSize is the number of entries exported for election id.
func (s *staticSource) logSize(id string) (int64, error) {
	for _, e := range s.info.Elections {
		if e.ID == id {
			return e.LogSize, nil
		}
	}
	return 0, actas.Errorf(actas.ENOTFOUND, "the static copy at %s does not hold election %q", s.base, id)
}

func (s *staticSource) apiElection(ctx context.Context, id string) (*apiElection, error) {
	var e apiElection
	if err := s.getJSON(ctx, apiPath(id, "index.json"), nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func (s *staticSource) election(ctx context.Context, id string) (*actas.Election, error) {
	e, err := s.apiElection(ctx, id)
	if err != nil {
		return nil, err
	}
	return &e.Election, nil
}

func (s *staticSource) resultsSeq(ctx context.Context, id string) (int64, error) {
	e, err := s.apiElection(ctx, id)
	if err != nil {
		return 0, err
	}
	if e.ResultsSeq == nil {
		return 0, actas.Errorf(actas.EINVALID, "%s does not say which log entries its results count (no results_seq)", s.base)
	}
	return *e.ResultsSeq, nil
}

func (s *staticSource) sources(ctx context.Context, id string) ([]actas.Source, error) {
	e, err := s.apiElection(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.Sources, nil
}

func (s *staticSource) stations(ctx context.Context, id string) ([]actas.Station, error) {
	e, err := s.election(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := s.get(ctx, apiPath(id, "stations.csv"), nil)
	if err != nil {
		return nil, err
	}
	return sheetio.ReadStations(bufio.NewReader(bytes.NewReader(b)), "stations.csv from "+s.base.String(), e.Levels)
}

// tile reads a tile of the export (full, or partial of the exported
// width), keeping the hash tiles for the proofs.
func (s *staticSource) tile(ctx context.Context, id string, t tlog.Tile) ([]byte, error) {
	s.mu.Lock()
	b, ok := s.tiles[t]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := s.get(ctx, logPath(id, t.Path()), nil)
	if err != nil {
		return nil, err
	}
	if t.L >= 0 {
		if len(b) != t.W*tlog.HashSize {
			return nil, actas.Errorf(actas.EINVALID, "tile %s: %d bytes, want %d", t.Path(), len(b), t.W*tlog.HashSize)
		}
		s.mu.Lock()
		s.tiles[t] = b
		s.mu.Unlock()
	}
	return b, nil
}

// hashTile is the tile at level l holding hash tile n of a tree of size
// entries: partial when the tree ends inside it.
func hashTile(l int, n, size int64) tlog.Tile {
	return tlog.Tile{H: 8, L: l, N: n, W: int(min(256, size>>(8*l)-n<<8))}
}

func (s *staticSource) leafHashes(ctx context.Context, id string, from, to int64) ([]translog.Hash, error) {
	size, err := s.logSize(id)
	if err != nil {
		return nil, err
	}
	if to > size {
		return nil, actas.Errorf(actas.ENOTFOUND, "the static copy holds %d entries, not %d", size, to)
	}
	out := make([]translog.Hash, 0, to-from)
	for n := from >> 8; n<<8 < to; n++ {
		t := hashTile(0, n, size)
		b, err := s.tile(ctx, id, t)
		if err != nil {
			return nil, err
		}
		for k := int64(0); k < int64(t.W); k++ {
			if i := n<<8 + k; i >= from && i < to {
				out = append(out, translog.Hash(b[k*tlog.HashSize:(k+1)*tlog.HashSize]))
			}
		}
	}
	return out, nil
}

func (s *staticSource) entries(ctx context.Context, id string, from, to int64, fn entryFunc) error {
	size, err := s.logSize(id)
	if err != nil {
		return err
	}
	for n := from >> 8; n<<8 < min(to, size); n++ {
		t := dataTile(n, size)
		first := n << 8
		end := first + int64(t.W)
		b, err := s.tile(ctx, id, t)
		if err == nil {
			var got int64
			got, err = readBundle(b, first, end, func(i int64, entry []byte, e error) error {
				if i < from || i >= to {
					return nil
				}
				return fn(i, entry, e)
			})
			if err == nil && got < int64(t.W) {
				err = actas.Errorf(actas.EINVALID, "tile %s holds %d entries, not %d", t.Path(), got, t.W)
				first += got // those read were given to fn
			}
		}
		var fe *fnError
		switch {
		case errors.As(err, &fe):
			return fe.err
		case err != nil:
			// The tile is missing or damaged: every entry of it is.
			for i := max(first, from); i < min(end, to); i++ {
				if err := fn(i, nil, err); err != nil {
					return err
				}
			}
		}
	}
	for i := max(from, size); i < to; i++ {
		if err := fn(i, nil, actas.Errorf(actas.ENOTFOUND, "entry %d: the static copy holds %d entries", i, size)); err != nil {
			return err
		}
	}
	return nil
}

// consistency computes the proof from the hash tiles of the tree of size
// entries: the verifier checks it against both signed roots.
func (s *staticSource) consistency(ctx context.Context, id string, from, size int64) ([][]byte, error) {
	var ferr error
	hr := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for k, x := range indexes {
			t0 := tlog.TileForIndex(8, x)
			t := hashTile(t0.L, t0.N, size)
			b, err := s.tile(ctx, id, t)
			if err != nil {
				ferr = err
				return nil, err
			}
			h, err := tlog.HashFromTile(t, b, x)
			if err != nil {
				return nil, err
			}
			out[k] = h
		}
		return out, nil
	})
	p, err := tlog.ProveTree(size, from, hr)
	if err != nil {
		if ferr != nil {
			return nil, ferr
		}
		return nil, actas.Errorf(actas.EINVALID, "consistency proof from %d to %d from the tiles: %v", from, size, err)
	}
	out := make([][]byte, len(p))
	for i, h := range p {
		out[i] = slices.Clone(h[:])
	}
	return out, nil
}

// results reads a level's CSV file and keeps the areas within within.
// The verifier asks for one level in many parts: the file is read once.
func (s *staticSource) results(ctx context.Context, id, contest string, src actas.Source, level, within string) ([]*actas.AreaDocument, error) {
	key := id + "\x00" + contest + "\x00" + string(src) + "\x00" + level
	s.mu.Lock()
	areas := s.areas
	if s.level != key {
		areas = nil
	}
	s.mu.Unlock()
	if areas == nil {
		b, err := s.get(ctx, resultsFile(id, contest, src, level)[1:], nil)
		if err != nil {
			return nil, err
		}
		if areas, err = parseResultsCSV(b); err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.level, s.areas = key, areas
		s.mu.Unlock()
	}
	if within == "" {
		return areas, nil
	}
	in, err := actas.SplitPath(within)
	if err != nil {
		return nil, err
	}
	var out []*actas.AreaDocument
	for _, a := range areas {
		names, err := actas.SplitPath(a.Area)
		if err == nil && len(names) > len(in) && slices.Equal(names[:len(in)], in) {
			out = append(out, a)
		}
	}
	return out, nil
}
