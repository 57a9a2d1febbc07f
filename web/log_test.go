package web

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// signedLog is a fixture whose log has a signed checkpoint, served by a
// server that shows the verifier key.
type signedLog struct {
	*fixture
	signer   note.Signer
	verifier note.Verifier
	vkey     string
	size     int64
}

// MustSign signs a checkpoint of the fixture's whole log with a new key,
// as the command does, and rebuilds the server with the verifier key.
func MustSign(tb testing.TB, f *fixture) *signedLog {
	tb.Helper()
	skey, vkey, err := translog.GenerateKey("test-log")
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	verifier, err := translog.NewVerifier(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	sl := &signedLog{fixture: f, signer: signer, verifier: verifier, vkey: vkey}
	sl.sign(tb)
	srv, err := New(Config{Store: f.Store, Results: f.Tab, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", LogKey: vkey})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	f.Server, f.Handler = srv, srv.Handler()
	return sl
}

// sign keeps a checkpoint of the whole log.
func (sl *signedLog) sign(tb testing.TB) translog.Checkpoint {
	tb.Helper()
	ctx := tb.Context()
	id := sl.Election.ID
	size, err := sl.Store.LogSize(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := translog.TreeHash(size, storeHashes{ctx: ctx, store: sl.Store, election: id})
	if err != nil {
		tb.Fatal(err)
	}
	c := translog.Checkpoint{Origin: translog.Origin(sl.signer.Name(), id), Size: size, Hash: root}
	msg, err := translog.Sign(c, sl.signer)
	if err != nil {
		tb.Fatal(err)
	}
	if err := sl.Store.AddCheckpoint(ctx, id, &actas.Checkpoint{Size: size, Root: root, Note: msg}); err != nil {
		tb.Fatal(err)
	}
	sl.size = size
	return c
}

// bundle splits an /entries response into entries.
func bundle(tb testing.TB, body string) [][]byte {
	tb.Helper()
	b := []byte(body)
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			tb.Fatalf("bundle ends inside a length")
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			tb.Fatalf("bundle ends inside an entry")
		}
		out = append(out, b[2:2+n])
		b = b[2+n:]
	}
	return out
}

// tiles reads hash tiles through the handler, for tlog.TileHashReader,
// which checks every tile against the signed tree.
type tiles struct {
	tb testing.TB
	f  *fixture
	id string
}

func (t tiles) Height() int { return tileHeight }

func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tl := range ts {
		r := t.f.get(t.tb, "/log/"+t.id+"/"+tl.Path())
		if r.Status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %s", tl.Path(), r.Status, r.Body)
		}
		out[i] = []byte(r.Body)
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func TestLogEndpoints(t *testing.T) {
	sl := MustSign(t, MustHandmade(t))
	id := sl.Election.ID
	base := "/log/" + id

	t.Run("the verifier key", func(t *testing.T) {
		r := sl.get(t, "/log/key").mustOK(t, "/log/key")
		if strings.TrimSpace(r.Body) != sl.vkey || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("/log/key: %q (%s)", r.Body, r.Header.Get("Content-Type"))
		}
	})

	var cp translog.Checkpoint
	t.Run("the latest checkpoint opens with the key", func(t *testing.T) {
		r := sl.get(t, base+"/checkpoint").mustOK(t, base+"/checkpoint")
		var err error
		if cp, err = translog.Open([]byte(r.Body), translog.Origin("test-log", id), sl.verifier); err != nil {
			t.Fatal(err)
		}
		if cp.Size != sl.size {
			t.Fatalf("checkpoint of %d entries, want %d", cp.Size, sl.size)
		}
		if r.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("the log is public data: any site may read it")
		}
	})

	var entries [][]byte
	t.Run("the entries recount to the checkpoint's root", func(t *testing.T) {
		target := fmt.Sprintf("%s/entries?start=0&end=%d", base, sl.size)
		entries = bundle(t, sl.get(t, target).mustOK(t, target).Body)
		if int64(len(entries)) != sl.size {
			t.Fatalf("%d entries, want %d", len(entries), sl.size)
		}
		rc := translog.NewRecount()
		for i, e := range entries {
			if _, err := translog.ParseEntry(e); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
			rc.Append(e)
		}
		if rc.Root() != cp.Hash {
			t.Fatalf("the entries recount to another root than the checkpoint's")
		}
		part := bundle(t, sl.get(t, base+"/entries?start=3&end=5").mustOK(t, "").Body)
		if len(part) != 2 || !bytes.Equal(part[0], entries[3]) || !bytes.Equal(part[1], entries[4]) {
			t.Fatalf("entries [3, 5) are not entries 3 and 4")
		}
	})

	t.Run("every inclusion proof verifies", func(t *testing.T) {
		for i := range sl.size {
			var body apiInclusionBody
			sl.mustJSON(t, fmt.Sprintf("%s/proof/inclusion?index=%d&size=%d", base, i, sl.size), &body)
			if err := translog.VerifyInclusion(cp, i, translog.LeafHash(entries[i]), body.Proof); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
		}
		var def apiInclusionBody
		sl.mustJSON(t, base+"/proof/inclusion?index=1", &def)
		if def.Size != cp.Size {
			t.Fatalf("without size, the proof is for %d entries, want the latest checkpoint's %d", def.Size, cp.Size)
		}
	})

	t.Run("every consistency proof verifies", func(t *testing.T) {
		rc := translog.NewRecount()
		for from := int64(1); from <= sl.size; from++ {
			rc.Append(entries[from-1])
			older := translog.Checkpoint{Origin: cp.Origin, Size: from, Hash: rc.Root()}
			var body apiConsistencyBody
			sl.mustJSON(t, fmt.Sprintf("%s/proof/consistency?from=%d&size=%d", base, from, sl.size), &body)
			if err := translog.VerifyConsistency(older, cp, body.Proof); err != nil {
				t.Fatalf("from %d: %v", from, err)
			}
		}
	})

	t.Run("the hash tiles give the signed tree", func(t *testing.T) {
		hr := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Hash}, tiles{t, sl.fixture, id})
		got, err := tlog.TreeHash(cp.Size, hr)
		if err != nil || got != cp.Hash {
			t.Fatalf("tree hash from tiles: %v (%v, want %v)", err, got, cp.Hash)
		}
		for i := range cp.Size {
			p, err := tlog.ProveRecord(cp.Size, i, hr)
			if err != nil {
				t.Fatal(err)
			}
			if err := tlog.CheckRecord(p, cp.Size, cp.Hash, i, tlog.RecordHash(entries[i])); err != nil {
				t.Fatalf("entry %d from tiles: %v", i, err)
			}
		}
	})

	t.Run("a receipt verifies", func(t *testing.T) {
		var rc translog.Receipt
		sl.mustJSON(t, base+"/receipt/2", &rc)
		got, err := rc.Verify(sl.verifier, translog.Origin("test-log", id))
		if err != nil || got.Size != cp.Size || rc.Index != 2 {
			t.Fatalf("receipt: %v %+v", err, rc)
		}
	})

	t.Run("the stations published are those the first entry commits to", func(t *testing.T) {
		target := "/api/v1/elections/" + id + "/stations.csv"
		r := sl.get(t, target).mustOK(t, target)
		stations, err := sheetio.ReadStations(strings.NewReader(r.Body), "stations.csv", sl.Election.Levels)
		if err != nil {
			t.Fatal(err)
		}
		first, err := translog.ParseEntry(entries[0])
		if err != nil {
			t.Fatal(err)
		}
		if translog.StationsDigest(stations) != first.Definition.Digest || int64(len(stations)) != first.Definition.Stations {
			t.Fatalf("the published stations do not have the digest the log commits to")
		}
	})

	t.Run("the election says which entries its results count", func(t *testing.T) {
		var body struct {
			ResultsSeq int64  `json:"results_seq"`
			Log        string `json:"log"`
		}
		sl.mustJSON(t, "/api/v1/elections/"+id, &body)
		seq, _ := sl.Tab.MaxSeq(id)
		if body.ResultsSeq != seq || body.Log != base {
			t.Fatalf("results_seq %d, log %q; want %d and %q", body.ResultsSeq, body.Log, seq, base)
		}
	})

	for _, tc := range []struct {
		name, target string
		status       int
		message      string
	}{
		{"an index beyond the tree", fmt.Sprintf("%s/proof/inclusion?index=%d&size=%d", base, sl.size, sl.size), 400, "is not in a tree of"},
		{"a size beyond the log", fmt.Sprintf("%s/proof/inclusion?index=0&size=%d", base, sl.size+1), 400, "the log has"},
		{"no index", base + "/proof/inclusion?size=3", 400, "index is required"},
		{"a negative index", base + "/proof/inclusion?index=-1&size=3", 400, "is not a number"},
		{"an index that is not a number", base + "/proof/inclusion?index=x&size=3", 400, "is not a number"},
		{"a consistency proof from nothing", base + "/proof/consistency?from=0&size=3", 400, "from must be 1 to size"},
		{"a consistency proof backwards", base + "/proof/consistency?from=4&size=3", 400, "from must be 1 to size"},
		{"an empty range of entries", base + "/entries?start=3&end=3", 400, "are not a range"},
		{"entries beyond the log", fmt.Sprintf("%s/entries?start=0&end=%d", base, sl.size+1), 400, "are not a range"},
		{"a tile of another height", base + "/tile/4/0/000", 404, "not a hash tile path"},
		{"a data tile", base + "/tile/8/data/000", 404, "data tiles are not served"},
		{"a tile beyond the log", base + "/tile/8/0/001", 404, "beyond the log"},
		{"a partial tile wider than the log", fmt.Sprintf("%s/tile/8/0/000.p/%d", base, sl.size+1), 404, "beyond the log"},
		{"a receipt of an entry not yet signed", fmt.Sprintf("%s/receipt/%d", base, sl.size), 404, "not yet in a signed checkpoint"},
		{"an unknown election", "/log/nope/checkpoint", 404, "not found"},
		{"an unknown log endpoint", base + "/sth", 404, "no API endpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sl.get(t, tc.target)
			var body errorBody
			if r.Status != tc.status || json.Unmarshal([]byte(r.Body), &body) != nil || !strings.Contains(body.Error.Message, tc.message) {
				t.Fatalf("GET %s: %d %s; want %d and %q", tc.target, r.Status, r.Body, tc.status, tc.message)
			}
		})
	}
}

func TestLogWithoutCheckpoint(t *testing.T) {
	f := MustHandmade(t)
	for _, target := range []string{"/log/key", "/log/" + hmID + "/checkpoint", "/log/" + hmID + "/proof/inclusion?index=0", "/log/" + hmID + "/receipt/0"} {
		if r := f.get(t, target); r.Status != http.StatusNotFound {
			t.Errorf("GET %s before any checkpoint (and without a key): %d, want 404", target, r.Status)
		}
	}
	r := f.get(t, "/e/"+hmID+"/log/1").mustOK(t, "entry page")
	if !strings.Contains(r.Body, "not yet in a signed checkpoint") {
		t.Errorf("the entry page does not say the entry is not yet signed")
	}
	r = f.get(t, "/e/"+hmID+"/log").mustOK(t, "log page")
	if !strings.Contains(r.Body, "No checkpoint has been signed yet") || !strings.Contains(r.Body, "not published by this server") {
		t.Errorf("the log page does not say there is no checkpoint and no key")
	}
}

func TestLogPages(t *testing.T) {
	sl := MustSign(t, MustHandmade(t))
	id := sl.Election.ID
	subs, err := sl.Store.StationSubmissions(t.Context(), id, hmConflict)
	if err != nil || len(subs) == 0 {
		t.Fatal(err)
	}
	sub := subs[0]

	t.Run("a station page links each submission to its log entry", func(t *testing.T) {
		page := sl.get(t, stationURL(id, hmConflict)).mustOK(t, "station").Body
		for _, s := range subs {
			want := entryURL(id, s.Seq)
			found := false
			for _, a := range links(page) {
				found = found || a.Href == want
			}
			if !found {
				t.Errorf("the station page does not link submission %d to %s", s.Seq, want)
			}
		}
	})

	t.Run("an entry page shows the entry, the checkpoint and the proof", func(t *testing.T) {
		page := sl.get(t, entryURL(id, sub.Seq)).mustOK(t, "entry").Body
		entry, err := sl.Server.entry(t.Context(), mustElection(t, sl.fixture), sub.Seq)
		if err != nil {
			t.Fatal(err)
		}
		var proof apiInclusionBody
		sl.mustJSON(t, fmt.Sprintf("/log/%s/proof/inclusion?index=%d&size=%d", id, sub.Seq, sl.size), &proof)
		body := text(page)
		for _, want := range append([]string{text(string(entry)), "Log entry " + fmt.Sprint(sub.Seq), sl.vkey,
			"actas log check-receipt --key " + sl.vkey}, b64s(proof.Proof)...) {
			if !strings.Contains(body, want) {
				t.Errorf("the entry page lacks %q", want)
			}
		}
		found := false
		for _, a := range links(page) {
			found = found || strings.HasPrefix(a.Href, stationURL(id, hmConflict))
		}
		if !found {
			t.Errorf("the entry page does not link its station")
		}
	})

	t.Run("the log page shows the key and the checkpoint, in Spanish too", func(t *testing.T) {
		page := sl.get(t, "/e/"+id+"/log?lang=es").mustOK(t, "log").Body
		if h := h1(t, page); h != "Registro de transparencia" {
			t.Errorf("heading %q", h)
		}
		if !strings.Contains(text(page), sl.vkey) || !strings.Contains(text(page), "actas log verify --url") {
			t.Errorf("the log page lacks the key or the command to verify")
		}
	})

	t.Run("every page shows the verifier key and links the log", func(t *testing.T) {
		page := sl.get(t, "/e/"+id).mustOK(t, "overview").Body
		i := strings.Index(page, "<footer>")
		if i < 0 || !strings.Contains(text(page[i:]), sl.vkey) || !strings.Contains(page[i:], `href="/e/`+id+`/log"`) {
			t.Errorf("the footer lacks the key or the link to the log")
		}
	})

	for _, tc := range []struct {
		name, target string
		status       int
	}{
		{"an entry beyond the log", fmt.Sprintf("/e/%s/log/%d", id, sl.size), 404},
		{"an entry number that is not one", "/e/" + id + "/log/x1", 404},
		{"an entry number with a leading zero", "/e/" + id + "/log/01", 404},
		{"going to an entry", "/e/" + id + "/log?entry=3", http.StatusSeeOther},
		{"going to no entry", "/e/" + id + "/log?entry=-3", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := sl.get(t, tc.target); r.Status != tc.status {
				t.Fatalf("GET %s: %d, want %d", tc.target, r.Status, tc.status)
			}
		})
	}
}

func mustElection(tb testing.TB, f *fixture) *election {
	tb.Helper()
	e, err := f.Server.election(tb.Context(), f.Election.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func b64s(hs [][]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = b64(h)
	}
	return out
}

// A request for more entries than a bundle holds gets the first ones.
func TestEntriesAreCapped(t *testing.T) {
	f := MustSimulate(t, 1500, 3)
	size, err := f.Store.LogSize(t.Context(), f.Election.ID)
	if err != nil || size <= maxBundleEntries {
		t.Fatalf("log of %d entries (%v): the fixture must hold more than a bundle", size, err)
	}
	target := fmt.Sprintf("/log/%s/entries?start=1&end=%d", f.Election.ID, size)
	got := bundle(t, f.get(t, target).mustOK(t, target).Body)
	if len(got) != maxBundleEntries {
		t.Fatalf("%d entries, want the cap of %d", len(got), maxBundleEntries)
	}
}

// FuzzLogRequests: any path and query under /log/ and the log pages gets
// an answer, never a panic or an internal error.
func FuzzLogRequests(f *testing.F) {
	for _, seed := range []string{
		"checkpoint", "checkpoints", "entries?start=0&end=3", "entries?start=99999999999999999999&end=1",
		"proof/inclusion?index=2&size=4", "proof/consistency?from=1&size=4", "proof/inclusion?index=-0&size=+4",
		"tile/8/0/000.p/4", "tile/8/1/000.p/1", "tile/8/0/x001/000", "tile/30/0/000", "tile/8/-1/000", "receipt/3", "receipt/-1",
		"tile/8/0/000.p/0", "entries?start=0&end=0&start=1", "%zz",
	} {
		f.Add(seed)
	}
	fx := MustHandmade(f)
	srv := fx.Server
	f.Fuzz(func(t *testing.T, rest string) {
		for _, prefix := range []string{"/log/" + hmID + "/", "/e/" + hmID + "/log/"} {
			req, err := http.NewRequest(http.MethodGet, "http://x"+prefix+rest, nil)
			if err != nil {
				return
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("GET %s%s: %d %s", prefix, rest, rec.Code, rec.Body)
			}
		}
	})
}

func TestTileWithin(t *testing.T) {
	for _, tc := range []struct {
		name string
		tile tlog.Tile
		size int64
		want bool
	}{
		{"a full first tile of a log of 256", tlog.Tile{H: 8, L: 0, N: 0, W: 256}, 256, true},
		{"a full first tile of a log of 255", tlog.Tile{H: 8, L: 0, N: 0, W: 256}, 255, false},
		{"a partial tile as wide as the log", tlog.Tile{H: 8, L: 0, N: 0, W: 7}, 7, true},
		{"the second level-0 tile", tlog.Tile{H: 8, L: 0, N: 1, W: 1}, 257, true},
		{"a level-1 tile of one hash needs 256 entries", tlog.Tile{H: 8, L: 1, N: 0, W: 1}, 255, false},
		{"a level-1 tile of one hash", tlog.Tile{H: 8, L: 1, N: 0, W: 1}, 256, true},
		{"a level-1 tile of two hashes", tlog.Tile{H: 8, L: 1, N: 0, W: 2}, 511, false},
		{"a tile far beyond", tlog.Tile{H: 8, L: 7, N: 1 << 40, W: 256}, 1 << 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tileWithin(tc.tile, tc.size); got != tc.want {
				t.Fatalf("tileWithin(%v, %d) = %v, want %v", tc.tile, tc.size, got, tc.want)
			}
		})
	}
}
