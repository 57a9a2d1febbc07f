package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/translog"
	formatslog "github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

func runLogVerify(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "log verify", "(--url URL | --db DB) [--election ID] [--key VKEY] [--state FILE]",
		"Audits an election's transparency log, as anyone holding the log's verifier key can:\n"+
			"  - the latest checkpoint's signature, and every checkpoint's, each consistent with the next;\n"+
			"  - consistency with every checkpoint this computer saw before (the state file): a log that\n"+
			"    shrank or was rewritten is reported as such;\n"+
			"  - every entry: well formed, its hash equal to the stored one, the root hash recomputed from\n"+
			"    the entries equal to every checkpoint's; the first entry's stations digest equal to the\n"+
			"    stations the server publishes;\n"+
			"  - the results recounted from the log's entries alone equal to those served (every area of\n"+
			"    every level, reconciled and per source) and, with --db, to the store's.\n"+
			"The first divergence of each kind is named precisely. Exit status 1 on any failure.")
	rawURL := flags.String("url", "", "address of an actas portal, e.g. https://actas.example.org/")
	db := flags.String("db", "", "a local store (SQLite file) instead of --url")
	electionID := flags.String("election", "", electionUsage)
	keyFlag := flags.String("key", "", "the log's verifier key (name+hash+key), or a file holding it;\n"+
		"with --db it may be left out, and is then derived from the signing key beside the database")
	statePath := flags.String("state", "", "file remembering the checkpoints seen (default ~/.config/actas/verify-state.json, or DB.verify-state.json with --db)")
	results := flags.Bool("results", true, "recount the results from the log and compare them with those served")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if (*rawURL == "") == (*db == "") {
		flags.Usage()
		return &usageError{"log verify: name exactly one of --url and --db"}
	}
	// Every entry is read, parsed and dropped: garbage comes fast and the
	// live heap stays small, so collecting half as often costs little
	// memory and saves CPU. GOGC, when set, has the last word.
	if env.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(300))
	}
	var src logSource
	state := *statePath
	if *rawURL != "" {
		// A live portal, or a static copy of one (actas export --static).
		u, err := portalSource(ctx, *rawURL)
		if err != nil {
			return err
		}
		src = u
		if *keyFlag == "" {
			return &usageError{"log verify: --key VKEY is required with --url: get the log's verifier key from whoever runs it (not only from the server you are checking)"}
		}
		if state == "" {
			dir, err := configDir(env)
			if err != nil {
				return err
			}
			state = filepath.Join(dir, "actas", "verify-state.json")
		}
	} else {
		store, err := openStore(ctx, *db, true)
		if err != nil {
			return err
		}
		defer store.Close()
		src = &dbSource{path: *db, store: store}
		if state == "" {
			state = *db + ".verify-state.json"
		}
	}
	verifier, vkey, err := verifierFor(env, *keyFlag, *db)
	if err != nil {
		return err
	}
	id, err := src.electionID(ctx, *electionID)
	if err != nil {
		return err
	}
	v := &logVerifier{env: env, out: env.Stdout, src: src, key: verifier, vkey: vkey, statePath: state, results: *results, id: id}
	return v.run(ctx)
}

// verifierFor returns the verifier key a verifying command uses: --key, or
// with --db the one derived from the signing key beside the database.
func verifierFor(env *Env, keyFlag, db string) (note.Verifier, string, error) {
	if keyFlag != "" {
		return parseVerifierFlag(keyFlag)
	}
	if db == "" {
		return nil, "", &usageError{"--key VKEY is required: the log's verifier key"}
	}
	k, ok, err := loadSigningKey(env, db, "")
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", &usageError{fmt.Sprintf("no --key, and no signing key beside %s to derive it from: give --key VKEY", db)}
	}
	fmt.Fprintf(env.Stdout, "using the verifier key of the signing key %s: %s\n", k.where, k.vkey)
	return k.verifier, k.vkey, nil
}

// configDir is the user's configuration directory, from the environment
// the command was given ($XDG_CONFIG_HOME, else $HOME/.config).
func configDir(env *Env) (string, error) {
	if d := env.Getenv("XDG_CONFIG_HOME"); d != "" {
		return d, nil
	}
	if h := env.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".config"), nil
	}
	return "", &usageError{"log verify: no $HOME to keep the state file in: give --state FILE"}
}

// logVerifier audits one election's log.
type logVerifier struct {
	env       *Env
	out       io.Writer
	src       logSource
	key       note.Verifier
	vkey      string
	statePath string
	results   bool
	id        string

	origin   string
	failures []string
	warnings int
}

// A line of the report: ok, FAIL or warn, and what.
func (v *logVerifier) ok(format string, args ...any) {
	fmt.Fprintf(v.out, "ok    "+format+"\n", args...)
}

func (v *logVerifier) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	v.failures = append(v.failures, msg)
	fmt.Fprintf(v.out, "FAIL  %s\n", msg)
}

func (v *logVerifier) warn(format string, args ...any) {
	v.warnings++
	fmt.Fprintf(v.out, "warn  "+format+"\n", args...)
}

// detail prints the lines of s indented under the report line above.
func (v *logVerifier) detail(s string) {
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		fmt.Fprintf(v.out, "        %s\n", l)
	}
}

// signed is a checkpoint whose signature was verified, with its note.
type signed struct {
	translog.Checkpoint
	note []byte
}

func (v *logVerifier) run(ctx context.Context) error {
	v.origin = translog.Origin(v.key.Name(), v.id)
	fmt.Fprintf(v.out, "verifying the log of %s (origin %s) at %s\n", v.id, v.origin, v.src)

	latest, err := v.latest(ctx)
	if err != nil {
		return err
	}
	cps := v.checkpoints(ctx, latest)
	prev, err := v.loadState()
	if err != nil {
		return err
	}

	seq := int64(-1)
	if v.results {
		if seq, err = v.src.resultsSeq(ctx, v.id); err != nil {
			v.fail("results not compared: %s", why(err))
			seq = -1
		}
	}
	sizes := []int64{}
	for _, c := range cps {
		sizes = append(sizes, c.Size)
	}
	if prev != nil {
		sizes = append(sizes, prev.Size)
	}
	w, err := v.entries(ctx, latest, seq, sizes)
	if err != nil {
		return err
	}
	v.judgeCheckpoints(ctx, cps, w)
	v.judgeState(ctx, prev, latest, w)
	switch {
	case v.results && seq >= 0 && w.tab != nil:
		v.compareResults(ctx, w.tab, seq)
	case v.results && seq >= 0:
		v.fail("results not compared: without a usable first entry and the published stations, the log's results cannot be recounted")
	}
	return v.summary()
}

func (v *logVerifier) summary() error {
	if len(v.failures) == 0 {
		fmt.Fprintf(v.out, "\nverified: the log of %s is consistent with its signed checkpoints and with what was served\n", v.id)
		return nil
	}
	fmt.Fprintf(v.out, "\nverification FAILED: %d problem(s)\n", len(v.failures))
	return actas.Errorf(actas.ECONFLICT, "log verification of %s failed: %d problem(s); first: %s", v.id, len(v.failures), v.failures[0])
}

// latest fetches the latest checkpoint and verifies its signature twice:
// with translog and with transparency-dev/formats. Without it nothing can
// be verified.
func (v *logVerifier) latest(ctx context.Context) (*signed, error) {
	msg, err := v.src.latest(ctx, v.id)
	if err != nil {
		return nil, fmt.Errorf("latest checkpoint: %w", err)
	}
	c, err := translog.Open(msg, v.origin, v.key)
	if err != nil {
		return nil, fmt.Errorf("the latest checkpoint from %s does not verify with key %s: %w", v.src, v.vkey, err)
	}
	fc, _, _, err := formatslog.ParseCheckpoint(msg, v.origin, v.key)
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "the latest checkpoint does not parse as a C2SP checkpoint: %v", err)
	}
	if int64(fc.Size) != c.Size || !slices.Equal(fc.Hash, c.Hash[:]) || fc.Origin != c.Origin {
		return nil, actas.Errorf(actas.EINVALID, "the latest checkpoint reads differently to translog and to transparency-dev/formats")
	}
	v.ok("signature of the latest checkpoint: %d entries, root %s, signed by %s", c.Size, b64(c.Hash[:]), v.key.Name())
	return &signed{c, msg}, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// checkpoints fetches every checkpoint kept, verifies each signature and
// returns them by size, the latest included. Consistency is judged later,
// with the recount.
func (v *logVerifier) checkpoints(ctx context.Context, latest *signed) []*signed {
	notes, err := v.src.checkpoints(ctx, v.id)
	if err != nil {
		v.fail("the list of checkpoints: %s", why(err))
		return []*signed{latest}
	}
	var out []*signed
	bad := 0
	for i, n := range notes {
		c, err := translog.Open(n, v.origin, v.key)
		if err != nil {
			bad++
			if bad == 1 {
				v.fail("checkpoint %d of the list does not verify: %s", i+1, why(err))
			}
			continue
		}
		out = append(out, &signed{c, n})
	}
	if bad > 1 {
		v.fail("%d checkpoints of the list do not verify in all", bad)
	}
	out = append(out, latest)
	slices.SortStableFunc(out, func(a, b *signed) int { return cmpInt(a.Size, b.Size) })
	// Two signed checkpoints of one size with different roots prove that
	// the log forked: whoever holds the key signed both.
	uniq := out[:0]
	for _, c := range out {
		if n := len(uniq); n > 0 && uniq[n-1].Size == c.Size {
			if uniq[n-1].Hash != c.Hash {
				v.fail("FORK: two checkpoints of %d entries, both signed, with different roots:", c.Size)
				v.detail(string(uniq[n-1].note) + "\n" + string(c.note))
			}
			continue
		}
		uniq = append(uniq, c)
	}
	if uniq[len(uniq)-1].Size > latest.Size {
		v.warn("the list holds a checkpoint of %d entries, newer than the latest served (%d): checking up to the latest served", uniq[len(uniq)-1].Size, latest.Size)
		for len(uniq) > 0 && uniq[len(uniq)-1].Size > latest.Size {
			uniq = uniq[:len(uniq)-1]
		}
	}
	v.ok("%d checkpoint(s) kept, each signed by the log's key", len(uniq))
	return uniq
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// walk is what reading the entries established.
type walk struct {
	roots     map[int64]translog.Hash // recomputed root at sizes of interest
	recounted int64                   // entries the recount got through (all, unless one was missing)
	tab       *tabulate.Tabulator     // the results recounted from the log; nil when unusable
}

// describeEntry says what an entry records, for reports.
func describeEntry(entry []byte) string {
	e, err := translog.ParseEntry(entry)
	if err != nil {
		return "which does not parse: " + why(err)
	}
	switch e.Kind {
	case translog.KindSubmission:
		s := e.Submission
		return fmt.Sprintf("station %s, contest %s, source %s", s.Sheet.Station, s.Sheet.Contest, s.Source)
	case translog.KindTotal:
		return fmt.Sprintf("official total: contest %s, bulletin %s, area %s, %s", e.Total.Contest, e.Total.Bulletin, actas.DisplayPath(e.Total.Area), e.Total.Choice)
	case translog.KindSnapshot:
		scope := "area " + actas.DisplayPath(e.Snapshot.Scope)
		if e.Snapshot.Station {
			scope = "station " + e.Snapshot.Scope
		}
		return fmt.Sprintf("turnout snapshot: %s at %s", scope, actas.FormatClock(e.Snapshot.Time))
	case translog.KindRecord:
		return fmt.Sprintf("%s record of %s by %s", e.Record.Kind, e.Record.Subject, e.Record.Account)
	}
	return "the election's definition"
}

// chunk is a run of consecutive entries as read from the source.
type chunk struct {
	from    int64
	entries [][]byte // nil where the source could not give the entry
	errs    []error  // why, where it could not
	leaves  []translog.Hash
	lerr    error // why the stored hashes could not be had
	err     error // the source failed altogether
}

const chunkEntries = bundleEntries

// chunkReaders is how many chunks are read at once: a store (or a
// server) re-deriving entries is the slowest part, and two of them keep
// two cores busy.
const chunkReaders = 2

// chunkParsers is how many goroutines parse a chunk's entries while the
// loop hashes them: when the readers are ahead, parsing is what is left to
// do, and it then keeps both cores busy.
const chunkParsers = 2

// chunksAhead is how many chunks each reader may read ahead of the checks:
// enough (about 32,000 entries, 15 MB) for the other reader to keep going
// while the first chunk waits for entry 0, which a store derives from all
// the stations (seconds for a million).
const chunksAhead = 8

// readChunks reads entries [0, end) with their stored leaf hashes on
// goroutines of their own, so that the next chunks are fetched while one
// is checked, and delivers them in order. It stops after a chunk whose
// source failed, or when ctx ends.
func (v *logVerifier) readChunks(ctx context.Context, end int64) <-chan *chunk {
	out := make(chan *chunk)
	chans := make([]chan *chunk, chunkReaders)
	for w := range chunkReaders {
		chans[w] = make(chan *chunk, chunksAhead)
		go func() {
			defer close(chans[w])
			for k := int64(w); k*chunkEntries < end; k += chunkReaders {
				c := v.readChunk(ctx, k*chunkEntries, min(end, (k+1)*chunkEntries))
				select {
				case chans[w] <- c:
				case <-ctx.Done():
					return
				}
				if c.err != nil {
					return
				}
			}
		}()
	}
	go func() {
		defer close(out)
		for k := 0; ; k++ {
			c, ok := <-chans[k%chunkReaders]
			if !ok {
				return
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	return out
}

// readChunk reads entries [from, to) and their stored leaf hashes.
func (v *logVerifier) readChunk(ctx context.Context, from, to int64) *chunk {
	c := &chunk{from: from, entries: make([][]byte, to-from), errs: make([]error, to-from)}
	c.leaves, c.lerr = v.src.leafHashes(ctx, v.id, from, to)
	c.err = v.src.entries(ctx, v.id, from, to, func(i int64, entry []byte, err error) error {
		if err != nil {
			c.errs[i-from] = err
			return nil
		}
		c.entries[i-from] = entry
		return nil
	})
	return c
}

// entries reads every entry up to the latest checkpoint (and, when the
// served results count more, up to those), checks each against its stored
// hash, recomputes the root at every size of interest, parses each entry
// and recounts the results of the submissions up to seq.
func (v *logVerifier) entries(ctx context.Context, latest *signed, seq int64, sizes []int64) (*walk, error) {
	ctx, cancel := context.WithCancel(ctx) // stops the readers when this returns
	defer cancel()
	end := max(latest.Size, seq+1)
	w := &walk{roots: map[int64]translog.Hash{}}
	want := map[int64]bool{}
	for _, s := range sizes {
		want[s] = true
	}
	e, err := v.src.election(ctx, v.id)
	if err != nil {
		return nil, err
	}
	// The stations are read while the first entries are: both take seconds
	// for a million stations, and only entry 0 needs them.
	type published struct {
		stations []actas.Station
		err      error
	}
	// A store derives entry 0 from the stations it holds: unless the
	// results are recounted (which needs the stations), the entry's hash
	// checks them, and reading them again is a second's work per million.
	needStations := seq >= 0 || !v.src.derivesStations()
	stationsc := make(chan published, 1)
	if needStations {
		go func() {
			st, err := v.src.stations(ctx, v.id)
			stationsc <- published{st, err}
		}()
	} else {
		stationsc <- published{}
	}
	var got *published
	stations := func() []actas.Station { // called by this goroutine only
		if got == nil {
			p := <-stationsc
			got = &p
			if p.err != nil {
				v.fail("the published stations: %s", why(p.err))
			}
		}
		return got.stations
	}
	defer stations() // reports a failure to read them even if no entry needed them

	start := time.Now()
	bar := newProgress(v.env, end, "verifying entries", "entries")
	defer bar.done()
	rc := translog.NewRecount()
	// One chunk is parsed at a time (the loop waits for its parsers), so
	// the same Parsers serve them all.
	var parsers [chunkParsers]translog.Parser
	missing := false
	var leafBad, leafUnknown, unreadable, malformed int64
	var firstLeaf, firstUnreadable, firstMalformed string
	kinds := map[translog.Kind]int64{}
	firstOK := false // entry 0 equals its stored hash
	tabBroken := false
	for c := range v.readChunks(ctx, end) {
		if c.lerr != nil && leafUnknown == 0 {
			v.fail("stored hashes of entries %d to %d could not be read: %s", c.from, c.from+int64(len(c.entries))-1, why(c.lerr))
		}
		if c.lerr != nil {
			leafUnknown += int64(len(c.entries))
		}
		// Entries are parsed on another goroutine while this one hashes
		// them: both are per-entry work of about the same cost.
		parsed := make([]*translog.Entry, len(c.entries))
		perrs := make([]error, len(c.entries))
		var parsing sync.WaitGroup
		for g := range chunkParsers {
			lo, hi := len(c.entries)*g/chunkParsers, len(c.entries)*(g+1)/chunkParsers
			parsing.Go(func() {
				for k := lo; k < hi; k++ {
					if entry := c.entries[k]; entry != nil {
						parsed[k], perrs[k] = parsers[g].Parse(entry)
					}
				}
			})
		}
		for k, entry := range c.entries {
			i := c.from + int64(k)
			if entry == nil {
				if c.err != nil {
					break
				}
				unreadable++
				if firstUnreadable == "" {
					firstUnreadable = fmt.Sprintf("entry %d cannot be read from %s: %s", i, v.src, why(c.errs[k]))
				}
				if !missing && i < latest.Size {
					missing = true
					w.recounted = i
				}
				if i == 0 {
					tabBroken = true
				}
				continue
			}
			leaf := translog.LeafHash(entry)
			if i == 0 {
				firstOK = c.lerr == nil && c.leaves[k] == leaf
			}
			if c.lerr == nil && c.leaves[k] != leaf {
				leafBad++
				if firstLeaf == "" {
					firstLeaf = fmt.Sprintf("entry %d (%s) differs from what was logged: its hash is not the stored one", i, describeEntry(entry))
				}
			}
			if !missing && i < latest.Size {
				rc.Append(entry)
				if want[i+1] {
					w.roots[i+1] = rc.Root()
				}
			}
		}
		parsing.Wait()
		for k, pe := range parsed {
			i := c.from + int64(k)
			if err := perrs[k]; err != nil {
				malformed++
				if firstMalformed == "" {
					firstMalformed = fmt.Sprintf("entry %d is not a well-formed log entry: %s", i, why(err))
				}
				if i == 0 {
					tabBroken = true
				}
				continue
			}
			if pe == nil {
				continue // unreadable, counted above
			}
			kinds[pe.Kind]++
			if msg := v.checkEntry(i, pe, e, stations, &w.tab, seq >= 0 && i <= seq, &tabBroken); msg != "" {
				malformed++
				if firstMalformed == "" {
					firstMalformed = fmt.Sprintf("entry %d (%s): %s", i, describeEntry(c.entries[k]), msg)
				}
			}
		}
		bar.set(int(c.from) + len(c.entries))
		if c.err != nil {
			bar.done()
			return nil, fmt.Errorf("reading the log from %s stopped at entry %d: %w", v.src, c.from, c.err)
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	bar.done()
	if !missing {
		w.recounted = latest.Size
	}
	elapsed := time.Since(start)
	rate := float64(end) / max(elapsed.Seconds(), 1e-9)

	report := func(n int64, first, what string) {
		if n == 0 {
			return
		}
		v.fail("%s", first)
		if n > 1 {
			v.detail(fmt.Sprintf("%d entries in all %s", n, what))
		}
	}
	report(unreadable, firstUnreadable, "cannot be read")
	report(leafBad, firstLeaf, "differ from their stored hashes")
	report(malformed, firstMalformed, "are malformed or misplaced")
	if unreadable+leafBad+malformed+leafUnknown == 0 {
		v.ok("%d entries read, each well formed and equal to its stored hash (%.0f entries/s): %d submissions, %d official totals, %d snapshots, %d records",
			end, rate, kinds[translog.KindSubmission], kinds[translog.KindTotal], kinds[translog.KindSnapshot], kinds[translog.KindRecord])
	}
	if !needStations && firstOK {
		v.ok("the first entry, which the store derives from the stations it holds, equals its stored hash: they are the stations it commits to")
	}
	if end > latest.Size {
		v.warn("entries %d to %d are not in a signed checkpoint yet: they were checked against the stored hashes only", latest.Size, end-1)
	}
	if tabBroken {
		w.tab = nil
	}
	return w, nil
}

// checkEntry checks that entry i is what belongs there and adds it to the
// recount. It returns what is wrong, or "".
func (v *logVerifier) checkEntry(i int64, pe *translog.Entry, e *actas.Election, published func() []actas.Station, tab **tabulate.Tabulator, count bool, broken *bool) string {
	if pe.Election != v.id {
		return fmt.Sprintf("it is an entry of election %s", pe.Election)
	}
	if i == 0 {
		if pe.Kind != translog.KindElection {
			*broken = true
			return "the first entry must be the election's definition"
		}
		def := pe.Definition
		a, _ := json.Marshal(def.Election)
		b, _ := json.Marshal(e)
		if string(a) != string(b) {
			v.fail("the election served differs from the definition its log's first entry holds")
			v.detail("logged: " + string(a) + "\nserved: " + string(b))
		}
		if stations := published(); stations != nil {
			d := translog.StationsDigest(stations)
			if int64(len(stations)) != def.Stations || d != def.Digest {
				v.fail("the published stations (%d, digest %x) are not those the first entry commits to (%d, digest %x)", len(stations), d, def.Stations, def.Digest)
			} else {
				v.ok("the %d published stations are those the first entry commits to (digest %x)", len(stations), d)
			}
			if count { // the results are compared: recount them
				t := tabulate.New(tabulate.DefaultRules())
				if err := t.AddElection(def.Election, stations); err != nil {
					*broken = true
					return "its election cannot be tabulated: " + why(err)
				}
				*tab = t
			}
		} else {
			*broken = true
		}
		return ""
	}
	switch pe.Kind {
	case translog.KindElection:
		return "a second election definition"
	case translog.KindSubmission:
		s := pe.Submission
		if s.Seq != i {
			return fmt.Sprintf("its seq is %d, not its index", s.Seq)
		}
		if count && *tab != nil {
			if err := (*tab).Add(s); err != nil {
				return "it cannot be tabulated: " + why(err)
			}
		}
	case translog.KindRecord:
		// A coordinator's decision changes the reconciled view the portal
		// serves: the recount applies it too.
		if count && *tab != nil {
			rec := *pe.Record
			rec.Index = i
			if err := review.Apply(*tab, pe.Election, &rec); err != nil && actas.ErrorCode(err) != actas.ECONFLICT {
				return "its decision cannot be applied: " + why(err)
			}
		}
	}
	return ""
}

// judgeCheckpoints reports whether each checkpoint is consistent with the
// next and whether the entries recount to each one's root. A consistency
// proof that fails while the entries recount to both roots means that the
// stored hashes, not the log, were changed.
func (v *logVerifier) judgeCheckpoints(ctx context.Context, cps []*signed, w *walk) {
	proofsOK := true
	for k := 1; k < len(cps); k++ {
		a, b := cps[k-1], cps[k]
		err := v.consistent(ctx, &a.Checkpoint, &b.Checkpoint)
		if err == nil {
			continue
		}
		proofsOK = false
		ra, oka := w.roots[a.Size]
		rb, okb := w.roots[b.Size]
		if oka && okb && ra == a.Hash && rb == b.Hash {
			v.fail("the consistency proof from %d to %d entries does not verify (%s), but the entries recount to both roots: the log is consistent and its stored hashes were changed",
				a.Size, b.Size, why(err))
		} else {
			v.fail("the checkpoints of %d and %d entries are not consistent (%s): the log was rewritten between them", a.Size, b.Size, why(err))
			v.detail(string(a.note) + "\n" + string(b.note))
		}
	}
	if proofsOK && len(cps) > 1 {
		v.ok("each checkpoint is consistent with the next (%d consistency proofs)", len(cps)-1)
	}
	// The recount against every checkpoint: the first one whose root the
	// entries do not give bounds where the log diverges.
	var before int64
	for _, c := range cps {
		if c.Size > w.recounted {
			v.fail("the root of %d entries was not recomputed: entry %d could not be read", c.Size, w.recounted)
			return
		}
		if got := w.roots[c.Size]; got != c.Hash {
			v.fail("the entries do not recount to the root signed for %d entries (recomputed %s, signed %s): an entry from %d to %d differs from what was signed",
				c.Size, b64(got[:]), b64(c.Hash[:]), before, c.Size-1)
			return
		}
		before = c.Size
	}
	v.ok("the entries recount to the root of every checkpoint (%d entries: %s)", before, b64(cps[len(cps)-1].Hash[:]))
}

// consistent checks with a proof from the source that older is a prefix of
// newer.
func (v *logVerifier) consistent(ctx context.Context, older, newer *translog.Checkpoint) error {
	if older.Size == newer.Size {
		if older.Hash != newer.Hash {
			return actas.Errorf(actas.EINVALID, "two roots for %d entries", older.Size)
		}
		return nil
	}
	if older.Size == 0 {
		return nil
	}
	p, err := v.src.consistency(ctx, v.id, older.Size, newer.Size)
	if err != nil {
		return err
	}
	return translog.VerifyConsistency(*older, *newer, p)
}

// ---- the state file: the checkpoints this computer saw before ----

// verifyState is what `actas log verify` remembers between runs, like a Go
// checksum database client: per log, the largest checkpoint it verified.
type verifyState struct {
	Logs map[string]*seenCheckpoint `json:"logs"`
}

type seenCheckpoint struct {
	Key        string    `json:"key"`    // the verifier key
	Origin     string    `json:"origin"` // the log
	Source     string    `json:"source"` // where it was read
	Checkpoint string    `json:"checkpoint"`
	Seen       time.Time `json:"seen"`
}

func (v *logVerifier) stateKey() string { return v.vkey + " " + v.origin }

// loadState returns the checkpoint seen before, or nil.
func (v *logVerifier) loadState() (*seenState, error) {
	st, err := readState(v.statePath)
	if err != nil {
		return nil, err
	}
	seen := st.Logs[v.stateKey()]
	if seen == nil {
		return nil, nil
	}
	c, err := translog.Open([]byte(seen.Checkpoint), v.origin, v.key)
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "the checkpoint remembered in %s does not verify: %s; move the file away to start afresh", v.statePath, why(err))
	}
	return &seenState{Checkpoint: c, seen: seen}, nil
}

type seenState struct {
	translog.Checkpoint
	seen *seenCheckpoint
}

func readState(path string) (*verifyState, error) {
	st := &verifyState{Logs: map[string]*seenCheckpoint{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, actas.Errorf(actas.EINVALID, "state file: %v", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, actas.Errorf(actas.EINVALID, "state file %s is not what actas log verify writes: %v; move it away to start afresh", path, err)
	}
	if st.Logs == nil {
		st.Logs = map[string]*seenCheckpoint{}
	}
	return st, nil
}

// judgeState checks the latest checkpoint against the one seen before, and
// remembers the latest unless the log shrank or forked.
func (v *logVerifier) judgeState(ctx context.Context, prev *seenState, latest *signed, w *walk) {
	if prev != nil {
		when := prev.seen.Seen.Local().Format("2006-01-02 15:04")
		switch {
		case prev.Size > latest.Size:
			v.fail("THE LOG SHRANK: on %s %s signed %d entries; it now signs %d. A log that only grows never does this: it was rolled back or forked.",
				when, prev.seen.Source, prev.Size, latest.Size)
			v.detail("seen before:\n" + prev.seen.Checkpoint + "now:\n" + string(latest.note))
			return
		default:
			err := v.consistent(ctx, &prev.Checkpoint, &latest.Checkpoint)
			if err != nil {
				if r, ok := w.roots[prev.Size]; ok && r == prev.Hash {
					v.fail("the consistency proof from the checkpoint you saw on %s (%d entries) does not verify (%s), but the entries recount to its root: the stored hashes were changed",
						when, prev.Size, why(err))
				} else {
					v.fail("FORK: the log is not an extension of the checkpoint of %d entries you saw on %s from %s (%s). These two signed checkpoints prove it was rewritten:",
						prev.Size, when, prev.seen.Source, why(err))
					v.detail(prev.seen.Checkpoint + "\n" + string(latest.note))
					return
				}
			} else {
				v.ok("consistent with the checkpoint of %d entries seen on %s (%s)", prev.Size, when, v.statePath)
			}
		}
	}
	st, err := readState(v.statePath)
	if err == nil {
		st.Logs[v.stateKey()] = &seenCheckpoint{Key: v.vkey, Origin: v.origin, Source: v.src.String(), Checkpoint: string(latest.note), Seen: time.Now().UTC()}
		err = writeState(v.statePath, st)
	}
	if err != nil {
		v.fail("could not remember the checkpoint in %s: %s", v.statePath, why(err))
		return
	}
	if prev == nil {
		v.ok("first check of this log from this computer: its checkpoint is remembered in %s", v.statePath)
	}
}

// writeState replaces the state file atomically.
func writeState(path string, st *verifyState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".verify-state-*")
	if err != nil {
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	if err := tmp.Close(); err != nil {
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	return nil
}

// ---- results ----

// compareResults compares the results recounted from the log with those
// the source serves: every area of every level, for each contest, the
// reconciled view and each source.
func (v *logVerifier) compareResults(ctx context.Context, tab *tabulate.Tabulator, seq int64) {
	e, err := tab.Election(v.id)
	if err != nil {
		v.fail("results: %s", why(err))
		return
	}
	served, err := v.src.sources(ctx, v.id)
	if err != nil {
		v.fail("results: the sources served: %s", why(err))
		return
	}
	logged := tab.Sources(v.id)
	if !slices.Equal(served, logged) {
		v.fail("the results served count the sources %v; the log's submissions (up to entry %d) have %v", served, seq, logged)
	}
	views := []actas.Source{actas.Reconciled}
	for _, s := range actas.Sources {
		if slices.Contains(served, s) && slices.Contains(logged, s) {
			views = append(views, s)
		}
	}
	start := time.Now()
	levels := append([]string{actas.National}, e.Levels...)
	parts, err := partitions(tab, v.id, e)
	if err != nil {
		v.fail("results: %s", why(err))
		return
	}
	areas, differing := 0, 0
	var first string
	for _, c := range e.Contests {
		for _, src := range views {
			for d, level := range levels {
				for _, within := range parts[d] {
					want, err := levelDocuments(tab, v.id, c.ID, src, level, within)
					if err != nil {
						v.fail("results of contest %s, %s, level %s from the log: %s", c.ID, src, level, why(err))
						continue
					}
					got, err := v.src.results(ctx, v.id, c.ID, src, level, within)
					if err != nil {
						differing++
						if first == "" {
							first = fmt.Sprintf("contest %s, %s, level %s within %s: %s", c.ID, src, level, actas.DisplayPath(within), why(err))
						}
						continue
					}
					n, msg := diffAreas(c.ChoiceIDs(), want, got)
					areas += len(want)
					if n > 0 {
						differing += n
						if first == "" {
							first = fmt.Sprintf("contest %s, %s, level %s: %s", c.ID, src, level, msg)
						}
					}
				}
			}
		}
	}
	now, err := v.src.resultsSeq(ctx, v.id)
	moved := err == nil && now != seq
	switch {
	case differing > 0 && moved:
		v.warn("the results served differ from the log's (%s), but they moved from entry %d to %d while being compared: run again once entries stop arriving", first, seq, now)
	case differing > 0:
		v.fail("the results served differ from the log's recount: %s", first)
		if differing > 1 {
			v.detail(fmt.Sprintf("%d area results differ in all", differing))
		}
	default:
		v.ok("the results of %d areas (%d contest(s), %d view(s), %d levels) equal the recount of the log's submissions up to entry %d (compared in %.1f s)",
			areas, len(e.Contests), len(views), len(levels), seq, time.Since(start).Seconds())
	}
}

// partitionMax is the most areas a level is partitioned into for the
// comparison of results.
const partitionMax = 2000

// partitions says, for national and each level of the election, the areas
// within which its results are compared: the API answers a level within an
// area in time proportional to that area, so a level of half a million
// areas is read as a few hundred requests of a few thousand areas each,
// within the deepest level above it of at most partitionMax areas.
func partitions(tab *tabulate.Tabulator, id string, e *actas.Election) ([][]string, error) {
	c := e.Contests[0].ID
	counts := make([][]string, len(e.Levels))
	for d, l := range e.Levels {
		as, err := tab.Level(id, c, actas.Reconciled, l, "")
		if err != nil {
			return nil, err
		}
		if len(as) <= partitionMax {
			for _, a := range as {
				counts[d] = append(counts[d], a.Path)
			}
		}
	}
	out := [][]string{{""}} // national
	for d := range e.Levels {
		within := []string{""}
		for q := d - 1; q >= 0; q-- {
			if counts[q] != nil {
				within = counts[q]
				break
			}
		}
		out = append(out, within)
	}
	return out, nil
}

// diffAreas compares the log's results of a level with those served and
// returns how many areas differ and the first difference, precisely.
func diffAreas(choices []string, want, got []*actas.AreaDocument) (int, string) {
	byPath := make(map[string]*actas.AreaDocument, len(got))
	for _, a := range got {
		byPath[a.Area] = a
	}
	n := 0
	first := ""
	note := func(msg string) {
		n++
		if first == "" {
			first = msg
		}
	}
	for _, w := range want {
		g := byPath[w.Area]
		if g == nil {
			note(fmt.Sprintf("area %s is in the log's results, not in those served", w.Area))
			continue
		}
		delete(byPath, w.Area)
		if f, a, b, ok := firstField(choices, w, g); !ok {
			note(fmt.Sprintf("area %s: %s is %d in the log's recount, %d in the results served", w.Area, f, a, b))
		}
	}
	for _, g := range got {
		if byPath[g.Area] != nil {
			note(fmt.Sprintf("area %s is served but not in the log's results", g.Area))
		}
	}
	return n, first
}

// firstField returns the first figure two area results disagree on.
func firstField(choices []string, a, b *actas.AreaDocument) (field string, x, y int64, same bool) {
	fields := []struct {
		name string
		x, y int64
	}{
		{"stations", a.Stations, b.Stations},
		{"stations_counted", a.StationsCounted, b.StationsCounted},
		{"registered", a.Registered, b.Registered},
		{"registered_counted", a.RegisteredCounted, b.RegisteredCounted},
		{"ballots", a.Ballots, b.Ballots},
		{"blank", a.Blank, b.Blank},
		{"null", a.Null, b.Null},
		{"voters", a.Voters, b.Voters},
		{"valid", a.Valid, b.Valid},
		// Turnout in millionths: the results CSV states it to 6 decimals.
		{"turnout (millionths)", int64(math.Round(a.Turnout * 1e6)), int64(math.Round(b.Turnout * 1e6))},

		{"flagged", a.Flagged, b.Flagged},
		{"agreed", a.Agreed, b.Agreed},
		{"single", a.Single, b.Single},
		{"conflict", a.Conflict, b.Conflict},
	}
	// The results' CSV form, which verify --url reads, lacks voters_stations.
	if b.VotersStations >= 0 {
		fields = append(fields, struct {
			name string
			x, y int64
		}{"voters_stations", a.VotersStations, b.VotersStations})
	}
	for _, f := range fields {
		if f.x != f.y {
			return f.name, f.x, f.y, false
		}
	}
	for _, c := range choices {
		if a.Votes[c] != b.Votes[c] {
			return "votes for " + c, a.Votes[c], b.Votes[c], false
		}
	}
	return "", 0, 0, true
}

// why is an error's whole text for a report: whoever verifies needs the
// cause, internal or not.
func why(err error) string {
	msg := err.Error()
	var ae *actas.Error
	if errors.As(err, &ae) && ae.Err != nil && !strings.Contains(msg, ae.Err.Error()) {
		msg += ": " + ae.Err.Error()
	}
	return msg
}
