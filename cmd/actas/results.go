package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/actasproject/actas"
)

func runResults(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "results", "--db DB [--contest ID] [--source SOURCE|reconciled] [--level LEVEL] [--area PATH] [--format table|json|csv]",
		"Prints tabulated results. With no --level and no --area: the national figures. --area alone: that\n"+
			"area. --level: every area of that level (under --area when given). --source reconciled (the\n"+
			"default) counts the sheet the project stands behind for each station; a source name counts that\n"+
			"source's latest sheet.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	contestID := flags.String("contest", "", "contest id (may be left out when the election has one contest)")
	sourceName := flags.String("source", string(actas.Reconciled), "witness, official, machine, qr, audit or reconciled")
	level := flags.String("level", "", "a level of the election's geography, or national")
	area := flags.String("area", "", "an area path, names joined by '/' (a '/' inside a name is written '\\/')")
	format := flags.String("format", "table", "table, json or csv")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		return &usageError{fmt.Sprintf("results: --format %q: use table, json or csv", *format)}
	}
	src, err := actas.ParseSource(*sourceName, true)
	if err != nil {
		return err
	}
	path, err := actas.CanonicalPath(*area)
	if err != nil {
		return err
	}

	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	c, err := e.Contest(*contestID)
	if err != nil {
		return err
	}
	tab, err := loadResults(ctx, store)
	if err != nil {
		return err
	}

	var areas []*actas.AreaResult
	lvl := *level
	if lvl == "" {
		a, _, err := tab.Area(e.ID, c.ID, src, path)
		if err != nil {
			return err
		}
		areas, lvl = []*actas.AreaResult{a}, a.Level
	} else {
		if areas, err = tab.Level(e.ID, c.ID, src, lvl, path); err != nil {
			return err
		}
	}
	doc := actas.NewResultsDocument(e, c, src, lvl, areas)
	switch *format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	case "csv":
		w := csv.NewWriter(env.Stdout)
		w.Write(doc.CSVHeader())
		w.WriteAll(doc.CSVRows())
		return w.Error()
	}
	return writeResultsTable(env.Stdout, doc)
}

// writeResultsTable prints results for people: coverage, turnout, and each
// choice's votes with its share of valid votes.
func writeResultsTable(w io.Writer, doc *actas.ResultsDocument) error {
	fmt.Fprintf(w, "%s · contest %s · source %s · level %s\n\n", doc.Election, doc.Contest, doc.Source, doc.Level)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"area", "stations counted", "registered counted", "turnout", "ballots"}
	for _, ch := range doc.Choices {
		head = append(head, ch.ID)
	}
	if doc.Source == actas.Reconciled {
		head = append(head, "conflicts")
	}
	head = append(head, "flagged")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, a := range doc.Areas {
		row := []string{
			a.Area,
			fmt.Sprintf("%d/%d (%s)", a.StationsCounted, a.Stations, pct(a.StationCoverage)),
			fmt.Sprintf("%d/%d (%s)", a.RegisteredCounted, a.Registered, pct(a.RegisteredCoverage)),
			pct(a.Turnout),
			fmt.Sprint(a.Ballots),
		}
		for _, ch := range doc.Choices {
			row = append(row, fmt.Sprintf("%d (%s)", a.Votes[ch.ID], pct(a.Shares[ch.ID])))
		}
		if doc.Source == actas.Reconciled {
			row = append(row, fmt.Sprint(a.Conflict))
		}
		row = append(row, fmt.Sprint(a.Flagged))
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nshares are of valid votes (votes for choices); turnout is ballots over the registered voters of counted stations")
	return nil
}

func pct(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }
