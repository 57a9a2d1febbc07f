package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/audit"
	"github.com/actasproject/actas/internal/audits"
	"github.com/actasproject/actas/sheetio"
)

// auditCommands are the subcommands of `actas audit`.
var auditCommands = []command{
	{"new", "set up a risk-limiting audit of a contest's official per-station result", runAuditNew},
	{"draw", "draw the next round's sample and write the stations to hand count", runAuditDraw},
	{"count", "record one keyer's hand counts of sampled stations", runAuditCount},
	{"risk", "compute the risk after the round's hand counts, and what to do next", runAuditRisk},
	{"show", "the audit's setup, rounds, hand counts and risk", runAuditShow},
	{"files", "write the audit's public files: batches.csv and counts.csv", runAuditFiles},
	{"compute", "recompute an audit's sample and risk from its public files, without a store", runAuditCompute},
}

func runAudit(ctx context.Context, env *Env, args []string) error {
	return runSubcommands(ctx, env, args, "audit", auditCommands,
		"A batch-comparison risk-limiting audit (MACRO, as VotingWorks' Arlo runs it) of the official\n"+
			"per-station result: stations are drawn with a public seed, hand counted by two keyers each, and\n"+
			"the audit stops when the risk of confirming a wrong outcome is at most the risk limit, or\n"+
			"escalates to a full hand count. Every step is a record in the election's log (docs/methods.md).")
}

// auditAccount names who acts from the command line.
const auditAccount = "import"

func runAuditNew(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit new", "[--db DB] [--election ID] [--contest ID] --id AUDIT --seed DIGITS [--risk-limit PERCENT] [--winners IDS | --seats N]",
		"Sets up an audit of the contest's official per-station sheets as stored now (later official sheets\n"+
			"do not change it). The seed is at least 20 decimal digits, best rolled with ten-sided dice in\n"+
			"public after the reported results are published. The reported winners are the leaders of the\n"+
			"per-station totals unless --winners names them. Setting up the same id again replaces the setup\n"+
			"until the first sample is drawn; then it is fixed.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	contest := flags.String("contest", "", "the contest (default the election's first)")
	id := flags.String("id", "", "the audit's id, e.g. president-2024 (required)")
	seed := flags.String("seed", "", "the public random seed: at least 20 decimal digits (required)")
	risk := flags.Int("risk-limit", 5, "the risk limit, in percent (1 to 99)")
	winners := flags.String("winners", "", "the reported winners' choice ids, comma separated (default: the leaders)")
	seats := flags.Int("seats", 1, "with no --winners: how many choices win")
	format := flags.String("format", "table", "output: table or json")
	if _, err := parseFlags(flags, args); err != nil {
		return err
	}
	if *id == "" || *seed == "" {
		flags.Usage()
		return &usageError{"audit new: --id and --seed are required"}
	}
	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	o := audits.SetupOptions{ID: *id, Contest: *contest, RiskLimit: *risk, Seed: *seed, Seats: *seats, Account: auditAccount, Now: time.Now()}
	if *winners != "" {
		o.Winners = strings.Split(*winners, ",")
	}
	st, err := audits.New(ctx, store, e.ID, o)
	if err != nil {
		return err
	}
	return showAudit(env, st, *format)
}

// auditFlags are the flags that name an audit: --db, --election, --id.
type auditFlags struct{ db, election, id *string }

func newAuditFlags(flags *flag.FlagSet) auditFlags {
	return auditFlags{
		db:       flags.String("db", "", dbUsage),
		election: flags.String("election", "", electionUsage),
		id:       flags.String("id", "", "the audit's id"),
	}
}

// open opens the store and loads the audit the flags name.
func (f auditFlags) open(ctx context.Context, env *Env) (actas.Store, *audits.State, error) {
	if *f.id == "" {
		return nil, nil, &usageError{"--id names the audit (see `actas audit show`)"}
	}
	store, e, err := openElection(ctx, dbFlag(env, *f.db), *f.election)
	if err != nil {
		return nil, nil, err
	}
	st, err := audits.Load(ctx, store, e.ID, *f.id)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, st, nil
}

func runAuditDraw(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit draw", "[--db DB] [--election ID] --id AUDIT [--size N] [--out FILE]",
		"Draws the next round (with replacement, each station with probability proportional to its error\n"+
			"bound) and writes the stations to hand count as CSV: station, times drawn, tickets, the reported\n"+
			"counts. The first round's size follows from the setup; later ones from the last risk computed.")
	at := newAuditFlags(flags)
	size := flags.Int("size", 0, "draws in this round (default: as many as the audit asks for)")
	out := flags.String("out", "-", "where to write the list of stations to hand count (- for standard output)")
	if _, err := parseFlags(flags, args); err != nil {
		return err
	}
	store, st, err := at.open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	r, err := audits.DrawRound(ctx, store, st, *size, auditAccount, time.Now())
	if err != nil {
		return err
	}
	w, done, err := createOutput(env, *out)
	if err != nil {
		return err
	}
	if err := writeSampleList(w, st, r.Draws); err != nil {
		done()
		return err
	}
	if err := done(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "round %d: %d draws, %d stations to hand count (log entry %d)\n", r.Round, len(r.Draws), len(distinct(r.Draws)), r.Index)
	return nil
}

// distinct returns the stations of draws, each once, in order.
func distinct(draws []audit.Draw) []string { return audits.Distinct(draws) }

// writeSampleList writes the stations of draws to hand count (audits.WriteSampleList).
func writeSampleList(w io.Writer, st *audits.State, draws []audit.Draw) error {
	return audits.WriteSampleList(w, st, draws)
}

func runAuditCount(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit count", "[--db DB] [--election ID] --id AUDIT --keyer NAME FILE",
		"Records one keyer's hand counts of sampled stations, from a sheets file (docs/files.md: station,\n"+
			"one column per choice, blank, null, ballots). Each station needs the counts of two keyers, entered\n"+
			"independently; when two agree, the count is also stored as the station's sheet of source audit.\n"+
			"A keyer corrects a count by entering it again.")
	at := newAuditFlags(flags)
	keyer := flags.String("keyer", "", "who typed the counts (required): each station needs two different keyers")
	files, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(files) != 1 || *keyer == "" {
		flags.Usage()
		return &usageError{"audit count: name --keyer and one FILE"}
	}
	if !actas.ValidRecordText(*keyer) {
		return actas.Errorf(actas.EINVALID, "keyer %q must be 1 to 256 characters on one line", *keyer)
	}
	store, st, err := at.open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	stations, err := store.Stations(ctx, st.Election.ID)
	if err != nil {
		return err
	}
	f, err := openInput(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	sheets, err := sheetio.ReadSheets(f, files[0], st.Election, st.Contest.ID, sheetio.NewIndex(stations).Station)
	if err != nil {
		return err
	}
	// Check every row before recording any, so that a file with a bad row
	// records nothing.
	sampled := map[string]bool{}
	for _, id := range st.Sampled() {
		sampled[id] = true
	}
	for i, sh := range sheets {
		if !sampled[sh.Station] {
			return actas.Errorf(actas.EINVALID, "%s: row %d: station %s is not in audit %s's sample", files[0], i+2, sh.Station, st.ID)
		}
	}
	account := "keyer " + *keyer
	counts := map[audits.Status]int{}
	for _, sh := range sheets {
		status, err := audits.AddCount(ctx, store, st, audits.CountBody{Station: sh.Station, Votes: sh.Votes, Blank: sh.Blank, Null: sh.Null, Ballots: sh.Ballots}, account, time.Now())
		if err != nil {
			return err
		}
		counts[status]++
	}
	_, missing := st.Agreed()
	fmt.Fprintf(env.Stdout, "%d counts recorded: %d stations agreed, %d await a second keyer, %d disagree; %d sampled stations lack an agreed count\n",
		len(sheets), counts[audits.Agreed], counts[audits.Single], counts[audits.Disagreed], missing)
	return nil
}

func runAuditRisk(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit risk", "[--db DB] [--election ID] --id AUDIT",
		"Computes the risk after the latest round, once every sampled station has an agreed hand count, and\n"+
			"logs it: the outcome is confirmed when the risk is at most the risk limit; otherwise the audit asks\n"+
			"for another round, or for a full hand count when a station's count overturns its margin.")
	at := newAuditFlags(flags)
	format := flags.String("format", "table", "output: table or json")
	if _, err := parseFlags(flags, args); err != nil {
		return err
	}
	store, st, err := at.open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := audits.ComputeRisk(ctx, store, st, auditAccount, time.Now()); err != nil {
		return err
	}
	return showAudit(env, st, *format)
}

func runAuditShow(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit show", "[--db DB] [--election ID] [--id AUDIT] [--format table|json]",
		"Shows the audit: its setup, the reported margins, each round's sample, the hand counts and the risk.\n"+
			"Without --id, lists the election's audits.")
	at := newAuditFlags(flags)
	format := flags.String("format", "table", "output: table or json")
	if _, err := parseFlags(flags, args); err != nil {
		return err
	}
	if *at.id == "" {
		store, e, err := openElection(ctx, dbFlag(env, *at.db), *at.election)
		if err != nil {
			return err
		}
		defer store.Close()
		ids, err := audits.IDs(ctx, store, e.ID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			fmt.Fprintf(env.Stdout, "election %s has no audit yet (actas audit new)\n", e.ID)
		}
		for _, id := range ids {
			fmt.Fprintln(env.Stdout, id)
		}
		return nil
	}
	store, st, err := at.open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	return showAudit(env, st, *format)
}

// auditView is an audit as `actas audit show --format json` and the web's
// API give it (audits.View).
type auditView = audits.View

func newAuditView(st *audits.State) *auditView { return audits.NewView(st) }

// RecomputeCommand is the command that recomputes the audit's sample and
// risk from its public files.
func RecomputeCommand(st *audits.State) string { return audits.RecomputeCommand(st) }

func showAudit(env *Env, st *audits.State, format string) error {
	v := newAuditView(st)
	switch format {
	case "json":
		return writeJSON(env.Stdout, v)
	case "table":
	default:
		return &usageError{fmt.Sprintf("--format %q: want table or json", format)}
	}
	w := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "audit %s of contest %s, election %s (log entry %d)\n", v.ID, v.Setup.Contest, v.Election, v.SetupAt)
	fmt.Fprintf(w, "risk limit %d%%, seed %s, reported winners %s\n", v.Setup.RiskLimit, v.Setup.Seed, strings.Join(v.Setup.Winners, ", "))
	fmt.Fprintf(w, "%d stations with official sheets (before log entry %d, sha256 %s), U = %.4f\n", v.Setup.Batches, v.Setup.Pinned, v.Setup.BatchesSHA256[:16], v.U)
	for _, m := range v.Margins {
		fmt.Fprintf(w, "margin %s over %s: %d votes\n", m.Winner, m.Loser, m.Votes)
	}
	for _, r := range v.Rounds {
		fmt.Fprintf(w, "round %d: %d draws, %d stations (log entry %d)\n", r.Round, len(r.Draws), len(distinct(r.Draws)), r.Index)
	}
	if len(v.Stations) > 0 {
		fmt.Fprintln(w, "station\ttimes\tstatus\treported ballots\thand ballots")
		for _, s := range v.Stations {
			hand := "-"
			if s.Hand != nil {
				hand = strconv.FormatInt(s.Hand.Ballots, 10)
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%d\t%s\n", s.Station, s.Times, s.Status, s.Reported.Ballots, hand)
		}
	}
	for _, r := range v.Risks {
		fmt.Fprintf(w, "after round %d: risk %s, %s", r.Round, formatRisk(r.Risk), r.Decision)
		if r.Next > 0 {
			fmt.Fprintf(w, " (next: %d)", r.Next)
		}
		fmt.Fprintln(w)
	}
	switch last := st.Last(); {
	case last == nil && len(v.Rounds) == 0:
		fmt.Fprintln(w, "next: actas audit draw --id "+v.ID)
	case last != nil && last.Decision == audit.Confirmed && last.Round == len(v.Rounds):
		fmt.Fprintf(w, "outcome confirmed at risk %s ≤ %d%%\n", formatRisk(last.Risk), v.Setup.RiskLimit)
	}
	fmt.Fprintln(w, "recompute: "+v.Recompute)
	return w.Flush()
}

func formatRisk(r float64) string {
	if r == 0 || r >= 0.001 || math.IsNaN(r) {
		return strconv.FormatFloat(r, 'f', 4, 64)
	}
	return strconv.FormatFloat(r, 'g', 3, 64)
}

func runAuditFiles(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit files", "[--db DB] [--election ID] --id AUDIT --dir DIR",
		"Writes the files that let anyone recompute the audit with `actas audit compute`: batches.csv, the\n"+
			"reported per-station results it audits (in its order), and counts.csv, the agreed hand counts.")
	at := newAuditFlags(flags)
	dir := flags.String("dir", "", "the directory to write (created if missing)")
	if _, err := parseFlags(flags, args); err != nil {
		return err
	}
	if *dir == "" {
		flags.Usage()
		return &usageError{"audit files: --dir is required"}
	}
	store, st, err := at.open(ctx, env)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"batches.csv", func(w io.Writer) error { return audits.WriteBatches(w, st.Contest.ChoiceIDs(), st.Batches) }},
		{"counts.csv", st.WriteCounts},
	} {
		path := filepath.Join(*dir, f.name)
		out, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := f.write(out); err != nil {
			out.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := out.Close(); err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, path)
	}
	return nil
}

// createOutput returns where to write path: standard output for "-", else
// a new file, and a function that finishes it.
func createOutput(env *Env, path string) (io.Writer, func() error, error) {
	if path == "-" || path == "" {
		return env.Stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func runAuditCompute(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "audit compute", "--batches FILE --seed DIGITS --risk-limit PERCENT --winners IDS [--rounds N,N,…] [--counts FILE] [--format table|json]",
		"Recomputes an audit from the files its public page offers, with no store: the reported\n"+
			"per-station results (batches.csv: id, ballots, one column per choice, in the audit's order), the\n"+
			"seed, the risk limit and the reported winners give the first round's size; with the rounds' sizes\n"+
			"it draws the same sample; with the agreed hand counts (counts.csv, the same columns) it gives the\n"+
			"same risk and decision. Anyone can so check that the sample was not chosen and the risk is right.")
	batchesFile := flags.String("batches", "", "the reported per-station results (required)")
	countsFile := flags.String("counts", "", "the agreed hand counts of the sampled stations")
	seed := flags.String("seed", "", "the audit's seed (required)")
	risk := flags.Int("risk-limit", 0, "the risk limit, in percent (required)")
	winners := flags.String("winners", "", "the reported winners, comma separated (required)")
	rounds := flags.String("rounds", "", "the rounds' sizes (draws), comma separated")
	format := flags.String("format", "table", "output: table or json")
	if _, err := parseFlags(flags, args); err != nil {
		return err
	}
	if *batchesFile == "" || *seed == "" || *risk == 0 || *winners == "" {
		flags.Usage()
		return &usageError{"audit compute: --batches, --seed, --risk-limit and --winners are required"}
	}
	choices, batches, err := readBatchesFile(*batchesFile)
	if err != nil {
		return err
	}
	a, err := audit.New(audit.Setup{Choices: choices, Winners: strings.Split(*winners, ","), RiskLimit: *risk, Seed: *seed}, batches)
	if err != nil {
		return err
	}
	out := struct {
		U      float64        `json:"u"`
		First  int            `json:"first_round_size"`
		Draws  []audit.Draw   `json:"draws,omitempty"`
		Result *audit.Result  `json:"result,omitempty"`
		Margin []audit.Margin `json:"margins"`
	}{U: a.U(), Margin: a.Margins()}
	first, err := a.Risk(nil, nil)
	if err != nil {
		return err
	}
	out.First = first.Next
	if *rounds != "" {
		for i, s := range strings.Split(*rounds, ",") {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				return &usageError{fmt.Sprintf("--rounds: size %d %q is not a positive number", i+1, s)}
			}
			more, err := a.Draw(n, out.Draws)
			if err != nil {
				return err
			}
			out.Draws = append(out.Draws, more...)
		}
	}
	if *countsFile != "" {
		if len(out.Draws) == 0 {
			return &usageError{"audit compute: --counts needs --rounds (the sample they count)"}
		}
		cc, counted, err := readBatchesFile(*countsFile)
		if err != nil {
			return err
		}
		if strings.Join(cc, ",") != strings.Join(choices, ",") {
			return actas.Errorf(actas.EINVALID, "%s: choices %q differ from the batches' %q", *countsFile, cc, choices)
		}
		counts := make(map[string]audit.HandCount, len(counted))
		for _, b := range counted {
			counts[b.ID] = audit.HandCount{Ballots: b.Ballots, Votes: b.Votes}
		}
		if out.Result, err = a.Risk(out.Draws, counts); err != nil {
			return err
		}
	}
	if *format == "json" {
		return writeJSON(env.Stdout, out)
	}
	fmt.Fprintf(env.Stdout, "%d stations, U = %.4f; first round: %d draws\n", len(batches), out.U, out.First)
	if len(out.Draws) > 0 {
		fmt.Fprintf(env.Stdout, "sample (%d draws): %s\n", len(out.Draws), strings.Join(distinct(out.Draws), " "))
	}
	if r := out.Result; r != nil {
		fmt.Fprintf(env.Stdout, "risk %s: %s", formatRisk(r.Risk), r.Decision)
		if r.Next > 0 {
			fmt.Fprintf(env.Stdout, " (next: %d)", r.Next)
		}
		fmt.Fprintln(env.Stdout)
	}
	return nil
}

// readBatchesFile reads a CSV of id, ballots and one column per choice.
func readBatchesFile(path string) ([]string, []audit.Batch, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(io.LimitReader(f, 1<<30))
	head, err := r.Read()
	if err != nil {
		return nil, nil, actas.Errorf(actas.EINVALID, "%s: line 1: %v", path, err)
	}
	if len(head) < 4 || head[0] != "id" || head[1] != "ballots" {
		return nil, nil, actas.Errorf(actas.EINVALID, "%s: line 1: want the columns id, ballots and one per choice (at least two), got %q", path, head)
	}
	choices := head[2:]
	var out []audit.Batch
	for line := 2; ; line++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, actas.Errorf(actas.EINVALID, "%s: %v", path, err)
		}
		b := audit.Batch{ID: row[0], Votes: make([]int64, len(choices))}
		for i, cell := range row[1:] {
			v, err := strconv.ParseInt(cell, 10, 64)
			if err != nil || v < 0 || v > actas.MaxCount {
				return nil, nil, actas.Errorf(actas.EINVALID, "%s: line %d, column %s: %q is not a count", path, line, head[i+1], cell)
			}
			if i == 0 {
				b.Ballots = v
			} else {
				b.Votes[i-1] = v
			}
		}
		out = append(out, b)
	}
	return choices, out, nil
}
