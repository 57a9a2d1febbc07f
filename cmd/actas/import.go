package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

func runImport(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "import", "--db DB [--kind sheets|totals|snapshots] [--source SOURCE] [--contest ID] [--format NAME] FILE",
		"Imports one file into an election. A file is accepted whole or not at all: a malformed line\n"+
			"changes nothing and the error names it. Importing the same file again changes nothing.\n"+
			"Suspicious but well-formed sheets are stored and flagged.\n\n"+
			"--format names a published layout; it builds the election (areas, stations, contest) when the\n"+
			"store does not hold it yet, then imports its sheets. Layouts:\n"+formatList())
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	kind := flags.String("kind", "sheets", "what FILE holds: sheets, totals (official area totals) or snapshots (turnout through the day)")
	source := flags.String("source", "", "who states the figures: witness, official, machine, qr or audit (default witness for sheets, official for totals and snapshots)")
	contest := flags.String("contest", "", "contest id (may be left out when the election has one contest or the file has a contest column)")
	format := flags.String("format", "", "a published layout instead of ours (see above)")
	bulletin := flags.String("bulletin", "", "name of the announcement, for totals (default: the file name without extension)")
	announced := flags.String("announced", "", "for totals: when the bulletin was announced, e.g. 2024-08-02T17:30:00-04:00, or 2024-08-02 17:30 in the election's time zone")
	coverage := flags.String("coverage", "", "for totals: the share of stations the bulletin claims to cover, e.g. 96.87% or 0.9687")
	keyFile := flags.String("key", "", keyFlagUsage)
	logName := flags.String("log-name", "", "with --format, when it creates the election and there is no log signing key yet: the new key's name (default "+defaultKeyName+")")
	receipts := flags.String("receipts", "", "write to this new file a receipt (JSON lines) for each entry the import adds to the log:\n"+
		"the entry, a signed checkpoint that includes it and the inclusion proof, for `actas log check-receipt`")
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		flags.Usage()
		return &usageError{"import: name exactly one FILE"}
	}
	path := rest[0]
	set := map[string]bool{}
	flags.Visit(func(f *flag.Flag) { set[f.Name] = true })
	lo := logOptions{db: dbFlag(env, *db), keyFile: *keyFile, keyName: *logName, receipts: *receipts}
	if *receipts != "" {
		if _, err := os.Stat(*receipts); err == nil {
			return actas.Errorf(actas.ECONFLICT, "--receipts %s exists: name a new file (receipts already written are worth keeping)", *receipts)
		}
	}
	if *format != "" {
		for _, name := range []string{"kind", "source", "contest", "bulletin", "election", "announced", "coverage"} {
			if set[name] {
				return &usageError{fmt.Sprintf("import: --%s does not apply with --format: the layout defines it", name)}
			}
		}
		return importFormat(ctx, env, lo, *format, path)
	}
	if set["log-name"] {
		return &usageError{"import: --log-name applies only with --format, when it creates the election"}
	}

	store, e, err := openElection(ctx, lo.db, *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	key, err := lo.loadKey(env)
	if err != nil {
		return err
	}
	stations, err := store.Stations(ctx, e.ID)
	if err != nil {
		return err
	}
	idx := sheetio.NewIndex(stations)

	if *kind != "totals" && (set["announced"] || set["coverage"]) {
		return &usageError{"import: --announced and --coverage describe a bulletin: they apply with --kind totals"}
	}
	var stored []int64
	switch *kind {
	case "sheets":
		src, err := sourceFlag(*source, actas.Witness)
		if err != nil {
			return err
		}
		if stored, err = importSheets(ctx, env, store, e, idx, src, *contest, path); err != nil {
			return err
		}
	case "totals":
		if _, err := sourceFlag(*source, actas.Official); err != nil {
			return err
		} else if *source != "" && *source != string(actas.Official) {
			return &usageError{"import: official totals are stated by the authority: --source must be official"}
		}
		b := *bulletin
		if b == "" {
			b = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		meta, err := bulletinMeta(e, *announced, *coverage)
		if err != nil {
			return err
		}
		if stored, err = importTotals(ctx, env, store, e, idx, *contest, b, meta, path); err != nil {
			return err
		}
	case "snapshots":
		src, err := sourceFlag(*source, actas.Official)
		if err != nil {
			return err
		}
		if stored, err = importSnapshots(ctx, env, store, e, idx, src, path); err != nil {
			return err
		}
	default:
		return &usageError{fmt.Sprintf("import: --kind %q: use sheets, totals or snapshots", *kind)}
	}
	return finishImport(ctx, env, store, lo, key, e.ID, stored)
}

// logOptions are the import's flags about the log.
type logOptions struct {
	db, keyFile, keyName, receipts string
}

// where says where the signing key was looked for, for messages.
func (lo logOptions) where(env *Env) string {
	path, err := keyLocation(env, lo.db, lo.keyFile)
	if err != nil || path == "" {
		return "$" + logKeyEnv
	}
	return path
}

// loadKey returns the signing key, or nil when there is none; receipts
// need one, so they make its absence an error before anything is stored.
func (lo logOptions) loadKey(env *Env) (*signingKey, error) {
	key, ok, err := loadSigningKey(env, lo.db, lo.keyFile)
	if err != nil {
		return nil, err
	}
	if !ok && lo.receipts != "" {
		return nil, actas.Errorf(actas.ENOTFOUND, "--receipts needs a signed checkpoint, and there is no log signing key at %s (nothing was imported)", lo.where(env))
	}
	if !ok {
		return nil, nil
	}
	return key, nil
}

// finishImport signs a checkpoint covering what the import stored and
// writes the receipts asked for.
func finishImport(ctx context.Context, env *Env, store actas.Store, lo logOptions, key *signingKey, election string, stored []int64) error {
	cp, err := signOnce(ctx, env, store, key, lo.where(env), election)
	if err != nil {
		return fmt.Errorf("%w (what the import stored is kept)", err)
	}
	if lo.receipts == "" {
		return nil
	}
	n, err := writeReceipts(ctx, store, election, cp, stored, lo.receipts)
	if err != nil {
		return fmt.Errorf("receipts: %w (what the import stored is kept)", err)
	}
	fmt.Fprintf(env.Stdout, "wrote %d receipts to %s\n", n, lo.receipts)
	return nil
}

func formatList() string {
	var b strings.Builder
	for _, f := range sheetio.Formats() {
		fmt.Fprintf(&b, "  %-15s %s\n", f.Name, f.Description)
	}
	return b.String()
}

func sourceFlag(value string, def actas.Source) (actas.Source, error) {
	if value == "" {
		return def, nil
	}
	return actas.ParseSource(value, false)
}

// hashingFile reads a file while hashing it and counting bytes for progress.
type hashingFile struct {
	f    *os.File
	h    hash.Hash
	n    int64
	size int64
	tick func(n int64)
}

func openHashing(path string) (*hashingFile, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, actas.Errorf(actas.EINVALID, "%s is a directory, not a file", path)
	}
	return &hashingFile{f: f, h: sha256.New(), size: fi.Size()}, nil
}

func (r *hashingFile) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	if r.tick != nil {
		r.tick(r.n)
	}
	return n, err
}

func (r *hashingFile) Close() error { return r.f.Close() }

// origin records where submissions came from: the file's name and digest.
func (r *hashingFile) origin(path string) string {
	return fmt.Sprintf("import %s sha256:%s", filepath.Base(path), hex.EncodeToString(r.h.Sum(nil)))
}

func importSheets(ctx context.Context, env *Env, store actas.Store, e *actas.Election,
	idx *sheetio.Index, src actas.Source, contest, path string) ([]int64, error) {
	in, err := openHashing(path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	bar := newProgress(env, in.size, "reading "+filepath.Base(path), "bytes")
	in.tick = func(n int64) { bar.set(int(n)) }
	subs, err := readSubmissions(in, path, e, contest, idx, src)
	if err != nil {
		bar.done()
		return nil, fmt.Errorf("%w (nothing was imported)", err)
	}
	// Drain what the CSV reader left unread so the digest covers the whole file.
	if _, err := io.Copy(io.Discard, in); err != nil {
		return nil, err
	}
	bar.done()
	return storeSheets(ctx, env, store, e, idx, subs, in.origin(path), filepath.Base(path))
}

// storeSheets submits parsed sheets, prints the import report and returns
// the log indexes of the sheets stored.
func storeSheets(ctx context.Context, env *Env, store actas.Store, e *actas.Election, idx *sheetio.Index,
	subs []*actas.Submission, origin, name string) ([]int64, error) {
	bar := newProgress(env, int64(len(subs)), "storing", "sheets")
	rep, flagged, err := submitSheets(ctx, store, nil, e, subs, origin, bar.set)
	bar.done()
	if err != nil {
		return nil, fmt.Errorf("%s: %w (nothing was imported)", name, missingPhotoHint(err, e.ID))
	}
	printReport(env, name, "sheets", rep, flagged)
	stored := make([]int64, 0, rep.New+rep.Differing)
	for _, s := range subs {
		if s.Seq > 0 { // the store sets Seq on what it stores only
			stored = append(stored, s.Seq)
		}
	}
	return stored, nil
}

func printReport(env *Env, name, what string, rep actas.Report, flagged int) {
	if rep.New == 0 && rep.Differing == 0 {
		fmt.Fprintf(env.Stdout, "%s: nothing changed: all %d %s were already present\n", name, rep.Present, what)
		return
	}
	line := fmt.Sprintf("%s: %s", name, rep)
	if flagged > 0 {
		line += fmt.Sprintf("; %d flagged as suspicious", flagged)
	}
	fmt.Fprintln(env.Stdout, line)
}

// bulletinInfo is what --announced and --coverage say of a bulletin.
type bulletinInfo struct {
	announced   time.Time
	coveragePPM int64
}

// bulletinMeta parses --announced and --coverage. A time without an offset
// is read in the election's time zone.
func bulletinMeta(e *actas.Election, announced, coverage string) (bulletinInfo, error) {
	var b bulletinInfo
	if announced != "" {
		t, err := time.Parse(time.RFC3339, announced)
		if err != nil {
			loc := time.UTC
			if e.Timezone == "" {
				return b, &usageError{fmt.Sprintf("import: --announced %q: give the time with its offset (e.g. 2024-08-02T17:30:00-04:00): election %s names no time zone", announced, e.ID)}
			}
			if loc, err = time.LoadLocation(e.Timezone); err != nil {
				return b, fmt.Errorf("import: election %s: time zone %q: %w", e.ID, e.Timezone, err)
			}
			t, err = time.ParseInLocation("2006-01-02 15:04", strings.Replace(announced, "T", " ", 1), loc)
			if err != nil {
				return b, &usageError{fmt.Sprintf("import: --announced %q is not a time: write 2024-08-02T17:30:00-04:00, or 2024-08-02 17:30 in the election's time zone (%s)", announced, e.Timezone)}
			}
		}
		b.announced = t.UTC().Truncate(time.Second)
	}
	if coverage != "" {
		text, percent := strings.CutSuffix(strings.TrimSpace(coverage), "%")
		x, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if percent {
			x /= 100
		}
		if err != nil || math.IsNaN(x) || x <= 0 || x > 1 {
			return b, &usageError{fmt.Sprintf("import: --coverage %q: give a share of the stations above 0 and at most all of them, e.g. 96.87%% or 0.9687", coverage)}
		}
		b.coveragePPM = max(1, int64(math.Round(x*1e6)))
	}
	return b, nil
}

func importTotals(ctx context.Context, env *Env, store actas.Store, e *actas.Election, idx *sheetio.Index, contest, bulletin string, meta bulletinInfo, path string) ([]int64, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	totals, err := sheetio.ReadTotals(f, path, e, contest, bulletin, idx.Area)
	if err != nil {
		return nil, fmt.Errorf("%w (nothing was imported)", err)
	}
	for i := range totals {
		totals[i].Announced, totals[i].CoveragePPM = meta.announced, meta.coveragePPM
	}
	stored, err := storeTotals(ctx, env, store, e, totals, filepath.Base(path)+" (bulletin "+bulletin+")", "totals")
	if err != nil {
		return nil, fmt.Errorf("%w (nothing was imported)", err)
	}
	return stored, nil
}

// storeTotals stores official totals, prints the report and returns the
// log indexes of those stored.
func storeTotals(ctx context.Context, env *Env, store actas.Store, e *actas.Election, totals []actas.OfficialTotal, name, what string) ([]int64, error) {
	rep, err := store.AddTotals(ctx, e.ID, totals)
	if err != nil {
		return nil, err
	}
	printReport(env, name, what, rep, 0)
	var stored []int64
	for i := range totals {
		if totals[i].Index > 0 { // set on what is stored only
			stored = append(stored, totals[i].Index)
		}
	}
	return stored, nil
}

func importSnapshots(ctx context.Context, env *Env, store actas.Store, e *actas.Election, idx *sheetio.Index, src actas.Source, path string) ([]int64, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	snaps, err := sheetio.ReadSnapshots(f, path, src, idx.Station, idx.Area)
	if err != nil {
		return nil, fmt.Errorf("%w (nothing was imported)", err)
	}
	stored, err := storeSnapshots(ctx, env, store, e, snaps, filepath.Base(path))
	if err != nil {
		return nil, fmt.Errorf("%w (nothing was imported)", err)
	}
	return stored, nil
}

// storeSnapshots stores turnout snapshots, prints the report and returns
// the log indexes of those stored.
func storeSnapshots(ctx context.Context, env *Env, store actas.Store, e *actas.Election, snaps []actas.Snapshot, name string) ([]int64, error) {
	rep, err := store.AddSnapshots(ctx, e.ID, snaps)
	if err != nil {
		return nil, err
	}
	printReport(env, name, "snapshots", rep, 0)
	var stored []int64
	for i := range snaps {
		if snaps[i].Index > 0 {
			stored = append(stored, snaps[i].Index)
		}
	}
	return stored, nil
}

// importFormat converts a published layout and stores it, creating the
// election (and, when there is none, the log signing key) when the store
// does not hold it yet.
func importFormat(ctx context.Context, env *Env, lo logOptions, name, path string) error {
	format, err := sheetio.LookupFormat(name)
	if err != nil {
		return err
	}
	ds, err := format.Read(path)
	if err != nil {
		return fmt.Errorf("%w (nothing was imported)", err)
	}
	store, err := openStore(ctx, lo.db, false)
	if err != nil {
		return err
	}
	defer store.Close()
	var key *signingKey
	_, err = store.Election(ctx, ds.Election.ID)
	switch actas.ErrorCode(err) {
	case actas.ENOTFOUND:
		var created bool
		if key, created, err = ensureSigningKey(env, lo.db, lo.keyFile, lo.keyName); err != nil {
			return err
		}
		if created {
			announceKey(env, key)
		}
	case "":
		if lo.keyName != "" {
			return &usageError{fmt.Sprintf("import: --log-name applies only when --format creates the election; %s exists", ds.Election.ID)}
		}
		if key, err = lo.loadKey(env); err != nil {
			return err
		}
	default:
		return err
	}
	e, idx, err := ensureElection(ctx, env, store, ds)
	if err != nil {
		return err
	}
	if err := flagSheets(e, idx.Station, ds.Sheets, filepath.Base(path)); err != nil {
		return err
	}
	for _, note := range ds.Notes {
		fmt.Fprintf(env.Stdout, "%s: %s\n", filepath.Base(path), note)
	}
	origin := fmt.Sprintf("import --format %s %s", name, filepath.Base(path))
	stored, err := storeSheets(ctx, env, store, e, idx, ds.Sheets, origin, filepath.Base(path))
	if err != nil {
		return err
	}
	if len(ds.Totals) > 0 {
		more, err := storeTotals(ctx, env, store, e, ds.Totals, filepath.Base(path), "official totals")
		if err != nil {
			return err
		}
		stored = append(stored, more...)
	}
	if len(ds.Snapshots) > 0 {
		more, err := storeSnapshots(ctx, env, store, e, ds.Snapshots, filepath.Base(path))
		if err != nil {
			return err
		}
		stored = append(stored, more...)
	}
	return finishImport(ctx, env, store, lo, key, e.ID, stored)
}

// ensureElection creates the dataset's election, or checks that the stored
// one has the same stations, so that a layout can be imported again.
func ensureElection(ctx context.Context, env *Env, store actas.Store, ds *actas.Dataset) (*actas.Election, *sheetio.Index, error) {
	e, err := store.Election(ctx, ds.Election.ID)
	if actas.ErrorCode(err) == actas.ENOTFOUND {
		if err := store.CreateElection(ctx, ds.Election, ds.Stations); err != nil {
			return nil, nil, err
		}
		fmt.Fprintln(env.Stdout, describeElection(ds.Election, ds.Stations))
		return ds.Election, sheetio.NewIndex(ds.Stations), nil
	}
	if err != nil {
		return nil, nil, err
	}
	stored, err := store.Stations(ctx, e.ID)
	if err != nil {
		return nil, nil, err
	}
	idx := sheetio.NewIndex(stored)
	if !sameStations(idx, stored, ds.Stations) {
		return nil, nil, actas.Errorf(actas.ECONFLICT, "election %s already exists with other stations; import into another database", e.ID)
	}
	return e, idx, nil
}

// sameStations reports whether the stations of idx (stored) are those of b.
func sameStations(idx *sheetio.Index, stored, b []actas.Station) bool {
	if len(stored) != len(b) {
		return false
	}
	for i := range b {
		st, ok := idx.Station(b[i].Code)
		if !ok || *st != b[i] {
			return false
		}
	}
	return true
}
