package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/timeline"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// The analysis commands (compare, bound, project, forensics, timeline) are
// thin: package consistency runs the analyses with their defaults and
// words the verdicts; a command reads the store, passes its flags as
// options and prints the result.

// analyzeFlags are the flags every analysis command has.
type analyzeFlags struct {
	name     string
	db       *string
	election *string
	contest  *string
	source   *string
	format   *string
}

func newAnalyzeFlags(fs *flag.FlagSet, name, sourceHelp string) *analyzeFlags {
	return &analyzeFlags{
		name:     name,
		db:       fs.String("db", "", dbUsage),
		election: fs.String("election", "", electionUsage),
		contest:  fs.String("contest", "", "contest id (may be left out when the election has one contest)"),
		source:   fs.String("source", "", sourceHelp),
		format:   fs.String("format", "table", "table or json"),
	}
}

// parse parses the command line and checks the format.
// start parses the command's flags, reads its source (Reconciled allowed
// or not) and opens the runner on the store.
func (af *analyzeFlags) start(ctx context.Context, env *Env, fs *flag.FlagSet, args []string, allowReconciled bool) (actas.Source, *consistency.Runner, error) {
	if err := af.parse(fs, args); err != nil {
		return "", nil, err
	}
	src, err := af.sourceValue(allowReconciled)
	if err != nil {
		return "", nil, err
	}
	r, err := af.open(ctx, env)
	if err != nil {
		return "", nil, err
	}
	return src, r, nil
}

func (af *analyzeFlags) parse(fs *flag.FlagSet, args []string) error {
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *af.format != "table" && *af.format != "json" {
		return &usageError{fmt.Sprintf("%s: --format %q: use table or json", af.name, *af.format)}
	}
	return nil
}

// sourceValue returns the --source value, "" when not given.
func (af *analyzeFlags) sourceValue(allowReconciled bool) (actas.Source, error) {
	if *af.source == "" {
		return "", nil
	}
	src, err := actas.ParseSource(*af.source, allowReconciled)
	if err != nil {
		return "", fmt.Errorf("--source: %w", err)
	}
	return src, nil
}

// open reads what the analyses need from the store and closes it: the
// tabulation lives in memory, with the official totals and snapshots.
func (af *analyzeFlags) open(ctx context.Context, env *Env) (*consistency.Runner, error) {
	store, err := openStore(ctx, dbFlag(env, *af.db), true)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	e, err := pickElection(ctx, store, *af.election)
	if err != nil {
		return nil, err
	}
	if _, err := e.Contest(*af.contest); err != nil {
		return nil, err
	}
	tab, err := loadResults(ctx, store)
	if err != nil {
		return nil, err
	}
	totals, err := store.Totals(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	snaps, err := store.Snapshots(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	return consistency.New(consistency.Inputs{Election: e, Contest: *af.contest, Results: tab, Totals: totals, Snapshots: snaps})
}

// run runs the analyses, showing on a terminal what the long ones are
// doing, and returns the report. It fails when none of the analyses asked
// for could run, with the reason of the first one asked for (the
// command's own).
func (af *analyzeFlags) run(env *Env, r *consistency.Runner, opts consistency.Options) (*consistency.Report, error) {
	var stop func()
	opts.Progress = func(a consistency.Analysis, work string) {
		if stop != nil {
			stop()
			stop = nil
		}
		if a == consistency.Project || a == consistency.Forensics {
			stop = startSpinner(env, string(a)+": "+work)
		}
	}
	rep, err := r.Run(opts)
	if stop != nil {
		stop()
	}
	if err != nil {
		return nil, af.wrap(err)
	}
	for _, a := range opts.Analyses {
		if rep.Section(a).Ran() {
			return rep, nil
		}
	}
	return nil, af.wrap(sectionError(rep.Section(opts.Analyses[0])))
}

// wrap names the command in an error, unless the analysis already did.
func (af *analyzeFlags) wrap(err error) error {
	if strings.HasPrefix(err.Error(), af.name+":") {
		return err
	}
	return fmt.Errorf("%s: %w", af.name, err)
}

// sectionError is the error of an analysis that did not run.
func sectionError(s *consistency.Section) error {
	if s.Err != nil {
		return s.Err
	}
	return actas.Errorf(actas.ENOTFOUND, "%s", s.Skipped)
}

// startSpinner shows what is being done on stderr when it is a terminal,
// until the returned function is called.
func startSpinner(env *Env, what string) func() {
	f, ok := env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14), progressbar.OptionSetElapsedTime(true), progressbar.OptionClearOnFinish(),
		progressbar.OptionSetRenderBlankState(true)) // drawn at once, then redrawn every 100 ms
	return func() { _ = bar.Finish() }
}

// writeJSON writes v indented, as every command's --format json does.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// headJSON are the keys the runner adds to an analysis's own JSON.
type headJSON struct {
	Status   consistency.Status `json:"status"`
	Headline string             `json:"headline"`
	Inputs   string             `json:"inputs"`
	Skipped  string             `json:"skipped,omitempty"`
}

func head(s *consistency.Section) headJSON {
	return headJSON{Status: s.Status, Headline: s.Headline, Inputs: s.Inputs, Skipped: s.Skipped}
}

// assignFlag collects repeated NAME=N flags (--machines national=24000).
type assignFlag struct {
	name string // the flag, for messages
	what string // what NAME is, for messages
	m    map[string]int64
}

func (a *assignFlag) String() string {
	if a == nil || len(a.m) == 0 {
		return ""
	}
	var parts []string
	for k, v := range a.m {
		parts = append(parts, k+"="+strconv.FormatInt(v, 10))
	}
	return strings.Join(parts, ",")
}

// Set parses NAME=N, N a positive whole number; the last '=' separates
// them, so that a name may hold one.
func (a *assignFlag) Set(s string) error {
	name, n, err := parseAssign(s)
	if err != nil {
		return fmt.Errorf("%q: want %s=N with N a positive whole number: %s", s, strings.ToUpper(a.what), err)
	}
	if a.m == nil {
		a.m = map[string]int64{}
	}
	if _, dup := a.m[name]; dup {
		return fmt.Errorf("%q: %s %s is given twice", s, a.what, name)
	}
	a.m[name] = n
	return nil
}

// parseAssign splits NAME=N. Thousands separators (24,000 or 24_000) are
// accepted in N, as people copy figures from publications.
func parseAssign(s string) (string, int64, error) {
	i := strings.LastIndexByte(s, '=')
	if i <= 0 {
		return "", 0, errors.New("no name before '='")
	}
	name, num := strings.TrimSpace(s[:i]), strings.NewReplacer(",", "", "_", "").Replace(strings.TrimSpace(s[i+1:]))
	if name == "" {
		return "", 0, errors.New("no name before '='")
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > actas.MaxCount {
		return "", 0, fmt.Errorf("%q is not a positive whole number", s[i+1:])
	}
	return name, n, nil
}

// fractionFlag is a fraction given as 0.95 or 95%.
type fractionFlag struct{ v float64 }

func (f *fractionFlag) String() string {
	if f == nil || f.v == 0 {
		return ""
	}
	return strconv.FormatFloat(f.v, 'g', -1, 64)
}

func (f *fractionFlag) Set(s string) error {
	t := strings.TrimSpace(s)
	scale := 1.0
	if strings.HasSuffix(t, "%") {
		t, scale = strings.TrimSpace(strings.TrimSuffix(t, "%")), 100
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return fmt.Errorf("%q is not a fraction (0.95) or a percentage (95%%)", s)
	}
	f.v = v / scale
	return nil
}

func runCompare(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "compare", "--db DB [--election ID] [--contest ID] [--source S] [--level LEVEL] [--bulletin NAME] [--top N] [--format table|json]",
		"Compares the sheets of every pair of sources station by station (witness against official first):\n"+
			"which stations differ, ranked by votes at stake, and the net effect per area. Then sets each official\n"+
			"bulletin beside the totals of the reconciled sheets of its area. Differences read second − first\n"+
			"source, e.g. official − witness.")
	af := newAnalyzeFlags(fs, "compare", "compare this source with every other one (default: every pair)")
	level := fs.String("level", "", "areas to sum the differences over: a level of the election, or national (default the first level)")
	bulletin := fs.String("bulletin", "", "set only this bulletin beside the sheets (default every bulletin)")
	top := fs.Int("top", 0, fmt.Sprintf("discrepancies to list (default %d; negative for all)", compare.DefaultTop))
	src, r, err := af.start(ctx, env, fs, args, false)
	if err != nil {
		return err
	}
	opts := consistency.Options{
		Analyses:  []consistency.Analysis{consistency.Compare, consistency.Bulletins},
		Compare:   consistency.CompareOptions{Source: src, Options: compare.CompareOptions{Level: *level, Top: *top}},
		Bulletins: consistency.BulletinsOptions{Bulletin: *bulletin},
	}
	rep, err := af.run(env, r, opts)
	if err != nil {
		return err
	}
	if *af.format == "json" {
		return writeJSON(env.Stdout, struct {
			Election  string                        `json:"election"`
			Contest   string                        `json:"contest"`
			Compare   *consistency.CompareSection   `json:"compare"`
			Bulletins *consistency.BulletinsSection `json:"bulletins"`
		}{rep.Election, rep.Contest, rep.Compare, rep.Bulletins})
	}
	return writeCompareTable(env.Stdout, rep)
}

func runBound(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "bound", "--db DB [--election ID] [--contest ID] [--source S] [--bulletin NAME] [--area PATH] [--level LEVEL] [--format table|json]",
		"Says what the stations without a sheet would have to contain for an official bulletin to be true:\n"+
			"per choice the votes required (official − counted), their share of the uncounted ballots, and\n"+
			"the turnout required. \"impossible\" when no content of the uncounted stations can reach the\n"+
			"official figures (if the counted sheets are authentic); otherwise how far the requirement lies\n"+
			"from what counted stations of the same strata show. Default: the latest national bulletin\n"+
			"against the reconciled sheets.")
	af := newAnalyzeFlags(fs, "bound", "the counted sheets: witness, official, machine, qr, audit or reconciled (default reconciled)")
	bulletin := fs.String("bulletin", "", "the bulletin (default the latest one, by announcement time, then name)")
	area := fs.String("area", "", "the bulletin's area path (default national)")
	level := fs.String("level", "", "strata: a level of the election, or national (default the first level)")
	src, r, err := af.start(ctx, env, fs, args, true)
	if err != nil {
		return err
	}
	rep, err := af.run(env, r, consistency.Options{
		Analyses: []consistency.Analysis{consistency.Bound},
		Bound:    consistency.BoundOptions{Source: src, Bulletin: *bulletin, Area: *area, Options: compare.BoundOptions{Level: *level}},
	})
	if err != nil {
		return err
	}
	s := rep.Bound
	if *af.format == "json" {
		return writeJSON(env.Stdout, struct {
			*compare.BoundReport
			headJSON
		}{s.Result, head(&s.Section)})
	}
	return writeBoundTable(env.Stdout, rep)
}

func runProject(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "project", "--db DB [--election ID] [--contest ID] [--source S] [--level LEVEL] [--strata LEVEL] [--confidence F] [--replicates N] [--seed S] [--quick-count N|--margin E] [--sample FILE] [--format table|json]",
		"Projects each choice's share and the turnout over all stations from the counted ones, with\n"+
			"intervals: a stratified combined ratio estimator with its linearized variance, and a bootstrap\n"+
			"beside it. It warns when the counted stations differ from the uncounted ones (no interval covers\n"+
			"that bias).\n\n"+
			"Quick count: --quick-count N (or --margin E) draws a stratified random sample of N stations,\n"+
			"saves it to --sample FILE, and projects from the sample's stations that have a sheet; later,\n"+
			"--sample FILE alone projects from that sample as its sheets arrive.")
	af := newAnalyzeFlags(fs, "project", "the counted sheets: witness, official, machine, qr, audit or reconciled (default reconciled)")
	level := fs.String("level", "", "also estimate each area of this level (default national only)")
	strata := fs.String("strata", "", "strata: a level of the election, or national for none (default the first level)")
	var confidence fractionFlag
	fs.Var(&confidence, "confidence", "level of the intervals, e.g. 0.95 or 95% (default 0.95)")
	replicates := fs.Int("replicates", 0, fmt.Sprintf("bootstrap replicates, at least 100; negative for none (default %d up to %s counted stations, none above)",
		estimate.DefaultReplicates, consistency.Group(consistency.BootstrapLimit)))
	seed := fs.Uint64("seed", 0, fmt.Sprintf("seed of the bootstrap and of the sample's draw (default %d)", estimate.DefaultSeed))
	denominator := fs.String("denominator", "", "shares of valid votes (valid, the default) or of all ballots (ballots)")
	noFPC := fs.Bool("no-fpc", false, "the stations are themselves a sample of a larger population (e.g. a quick-count design file):\nno finite-population correction")
	quick := fs.Int("quick-count", 0, "draw a quick-count sample of this many stations and save it to --sample")
	margin := fs.Float64("margin", 0, "draw a quick-count sample as large as this margin of error needs (0.01 = ±1 point) and save it to --sample")
	allocation := fs.String("allocation", "", "the sample's allocation to strata: stations (default) or registered")
	sampleFile := fs.String("sample", "", "the quick-count sample (JSON): written by --quick-count or --margin, read otherwise")
	if err := af.parse(fs, args); err != nil {
		return err
	}
	src, err := af.sourceValue(true)
	if err != nil {
		return err
	}
	drawing := *quick != 0 || *margin != 0
	switch {
	case *quick < 0:
		return &usageError{fmt.Sprintf("project: --quick-count %d: give the number of stations to draw", *quick)}
	case *quick != 0 && *margin != 0:
		return &usageError{"project: give the sample's size (--quick-count) or its margin of error (--margin), not both"}
	case drawing && *sampleFile == "":
		return &usageError{"project: a quick-count sample must be kept: name the file to write with --sample FILE"}
	case !drawing && *allocation != "":
		return &usageError{"project: --allocation applies when drawing a sample (--quick-count or --margin)"}
	}
	if drawing {
		if _, err := os.Stat(*sampleFile); err == nil {
			return actas.Errorf(actas.ECONFLICT, "project: --sample %s exists: a drawn sample is kept as drawn; project from it with --sample alone, or name a new file", *sampleFile)
		}
	}
	var sample *estimate.Sample
	if *sampleFile != "" && !drawing {
		if sample, err = readSampleFile(*sampleFile); err != nil {
			return fmt.Errorf("project: %w", err)
		}
	}
	r, err := af.open(ctx, env)
	if err != nil {
		return err
	}
	if drawing {
		p, err := r.Panel(orReconciled(src))
		if err != nil {
			return fmt.Errorf("project: %w", err)
		}
		sample, err = estimate.DrawSample(p, estimate.SampleOptions{Strata: *strata, Allocation: *allocation, Size: *quick,
			Margin: *margin, Confidence: confidence.v, Seed: *seed})
		if err != nil {
			return fmt.Errorf("project: quick-count sample: %w", err)
		}
		if err := writeFile(*sampleFile, func(w io.Writer) error { return writeJSON(w, sample) }); err != nil {
			return fmt.Errorf("project: %w", err)
		}
		fmt.Fprintf(env.Stderr, "drew a sample of %s stations in %d %s strata (seed %d) and wrote it to %s\n",
			consistency.Group(int64(len(sample.Stations))), len(sample.Strata), sample.Level, sample.Seed, *sampleFile)
	}
	rep, err := af.run(env, r, consistency.Options{
		Analyses: []consistency.Analysis{consistency.Project},
		Project: consistency.ProjectOptions{Source: src, Sample: sample, Options: estimate.Options{Level: *level, Strata: *strata,
			Confidence: confidence.v, Denominator: *denominator, Replicates: *replicates, Seed: *seed, NoFPC: *noFPC}},
	})
	if err != nil {
		return err
	}
	s := rep.Project
	if *af.format == "json" {
		return writeJSON(env.Stdout, struct {
			*estimate.Projection
			headJSON
		}{s.Result, head(&s.Section)})
	}
	return writeProjectTable(env.Stdout, rep)
}

func orReconciled(s actas.Source) actas.Source {
	if s == "" {
		return actas.Reconciled
	}
	return s
}

// maxSampleSize bounds a sample file: a sample of every station of the
// largest election is some 20 MB.
const maxSampleSize = 256 << 20

// readSampleFile reads a quick-count sample written by --quick-count.
func readSampleFile(path string) (*estimate.Sample, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, fmt.Errorf("--sample: %w", err)
	}
	defer f.Close()
	s, err := readSample(f, path)
	if err != nil {
		return nil, fmt.Errorf("--sample: %w", err)
	}
	return s, nil
}

// readSample decodes a quick-count sample: one JSON object of the shape
// estimate.Sample, no unknown key, naming an election and at least one
// station. Whether its stations and strata fit the election is
// estimate.QuickCount's to check. Errors are EINVALID and name the file.
func readSample(r io.Reader, name string) (*estimate.Sample, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxSampleSize+1))
	dec.DisallowUnknownFields()
	var s estimate.Sample
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, actas.Errorf(actas.EINVALID, "%s: not a whole quick-count sample (JSON object), or larger than %d MB", name, maxSampleSize>>20)
		}
		return nil, actas.Errorf(actas.EINVALID, "%s is not a quick-count sample written by `actas project --quick-count`: %v", name, err)
	}
	if dec.More() {
		return nil, actas.Errorf(actas.EINVALID, "%s: more than one JSON value", name)
	}
	if s.Election == "" || len(s.Stations) == 0 || len(s.Strata) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "%s: the sample names no election, stations or strata", name)
	}
	return &s, nil
}

func runForensics(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "forensics", "--db DB [--election ID] [--contest ID] [--source S] [--leader ID] [--replicates N] [--seed S] [--confidence F] [--format table|json]",
		"Looks for statistical traces of falsification in one source's sheets: the turnout × leader-share\n"+
			"fingerprint, the excess of whole-number percentages (with its Monte-Carlo null), last-digit and\n"+
			"adjacent-pair tests, the second-digit Benford test, and sheets that cannot be right as stated.\n"+
			"A flag is a reason to look closer, not proof of fraud. Default: the official sheets, else the\n"+
			"reconciled ones.")
	af := newAnalyzeFlags(fs, "forensics", "the sheets tested: witness, official, machine, qr, audit or reconciled (default official, else reconciled)")
	leader := fs.String("leader", "", "the choice whose share the fingerprint and integer-percent tests examine (default the one with most votes)")
	replicates := fs.Int("replicates", 0, fmt.Sprintf("Monte-Carlo replicates of the integer-percent null, 100 to 100000 (default %d)", forensics.DefaultReplicates))
	seed := fs.Uint64("seed", 0, "seed of every random draw (default 0)")
	var confidence fractionFlag
	fs.Var(&confidence, "confidence", "level of the second-digit bootstrap interval, e.g. 0.95 or 95% (default 0.95)")
	if err := af.parse(fs, args); err != nil {
		return err
	}
	src, err := af.sourceValue(true)
	if err != nil {
		return err
	}
	if *replicates != 0 && (*replicates < 100 || *replicates > 100_000) {
		return &usageError{fmt.Sprintf("forensics: --replicates %d: give 100 to 100000 Monte-Carlo replicates", *replicates)}
	}
	r, err := af.open(ctx, env)
	if err != nil {
		return err
	}
	rep, err := af.run(env, r, consistency.Options{
		Analyses: []consistency.Analysis{consistency.Forensics},
		Forensics: consistency.ForensicsOptions{Source: src, Options: forensics.Options{Leader: *leader, Replicates: *replicates,
			Seed: *seed, Confidence: confidence.v}},
	})
	if err != nil {
		return err
	}
	s := rep.Forensics
	if *af.format == "json" {
		return writeJSON(env.Stdout, struct {
			*forensics.Report
			headJSON
		}{s.Result, head(&s.Section)})
	}
	return writeForensicsTable(env.Stdout, rep)
}

func runTimeline(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "timeline", "--db DB [--election ID] [--contest ID] [--source S] [--seconds-per-voter S] [--machines AREA=N …] [--queue-minutes M] [--open HH:MM] [--close HH:MM] [--bulletin NAME] [--total NAME=N …] [--format table|json]",
		"Sets the turnout snapshots against what the stations could process: per interval, the votes\n"+
			"recorded against machines × voting time ÷ seconds per voter (plus a closing queue), infeasible\n"+
			"intervals flagged with their ratio. Then checks whether the national bulletins' percentages are\n"+
			"rounder than counted figures can plausibly be.")
	af := newAnalyzeFlags(fs, "timeline", "the snapshots' source (default official)")
	spv := fs.Float64("seconds-per-voter", 0, fmt.Sprintf("least time one machine needs per voter (default the election's, else %d)", actas.DefaultSecondsPerVoter))
	machines := &assignFlag{name: "machines", what: "area"}
	fs.Var(machines, "machines", "machines (tables) of an area, replacing the sum over its stations: AREA=N, e.g. national=24000; repeatable")
	defMachines := fs.Int64("default-machines", 0, fmt.Sprintf("machines of a station that states none (default %d)", timeline.DefaultMachines))
	queue := fs.Int("queue-minutes", 0, fmt.Sprintf("how long voters in line at the close may still vote (default %d; -1 for none)", timeline.DefaultQueueMinutes))
	queueFraction := fs.Float64("queue-fraction", 0, "the closing queue as a fraction of the day's capacity, instead of minutes")
	open := fs.String("open", "", "opening time HH:MM, replacing the election's")
	closing := fs.String("close", "", "closing time HH:MM, replacing the election's (e.g. an extension announced on the day)")
	bulletin := fs.String("bulletin", "", "check the percentages of this bulletin only (default every national bulletin)")
	totals := &assignFlag{name: "total", what: "bulletin"}
	fs.Var(totals, "total", "the total a bulletin's shares are of (its valid votes), for a bulletin that does not state every\nchoice: BULLETIN=N; repeatable")
	src, r, err := af.start(ctx, env, fs, args, false)
	if err != nil {
		return err
	}
	rep, err := af.run(env, r, consistency.Options{
		Analyses: []consistency.Analysis{consistency.Timeline, consistency.Exactness},
		Timeline: consistency.TimelineOptions{Options: timeline.Options{SecondsPerVoter: *spv, QueueMinutes: *queue, QueueFraction: *queueFraction,
			DefaultMachines: *defMachines, Machines: machines.m, Open: *open, Close: *closing, Source: src}},
		Exactness: consistency.ExactnessOptions{Bulletin: *bulletin, Totals: totals.m},
	})
	if err != nil {
		return err
	}
	s := rep.Timeline
	if *af.format == "json" {
		return writeJSON(env.Stdout, struct {
			*timeline.Report
			headJSON
			Exactness *consistency.ExactnessSection `json:"exactness"`
		}{s.Result, head(&s.Section), rep.Exactness})
	}
	return writeTimelineTable(env.Stdout, rep)
}

// writeHead leads a table with the verdict: the headline, its caveat and
// what the analysis ran on; or why it did not run.
func writeHead(w io.Writer, s *consistency.Section) {
	if !s.Ran() {
		fmt.Fprintf(w, "%s: not run: %s\n", s.Analysis, s.Skipped)
		return
	}
	fmt.Fprintf(w, "%s [%s] %s\n", s.Analysis, s.Status, s.Headline)
	fmt.Fprintf(w, "  caveat: %s\n", s.Caveat)
	fmt.Fprintf(w, "  inputs: %s\n", s.Inputs)
}
