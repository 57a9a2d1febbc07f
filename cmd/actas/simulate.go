package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/simulate"
)

// fraudFlags collects repeated --fraud values.
type fraudFlags []simulate.Fraud

func (f *fraudFlags) String() string {
	parts := make([]string, len(*f))
	for i, fr := range *f {
		parts[i] = fr.String()
	}
	return strings.Join(parts, " ")
}

func (f *fraudFlags) Set(s string) error {
	fr, err := simulate.ParseFraud(s)
	if err != nil {
		return fmt.Errorf("%s", actas.ErrorMessage(err))
	}
	*f = append(*f, fr)
	return nil
}

func fraudHelp() string {
	var names []string
	for _, m := range simulate.Models() {
		names = append(names, fmt.Sprintf("%s (default fraction %g)", m.Name, m.Fraction))
	}
	return "falsify official sheets: MODEL[:FRACTION[:BENEFICIARY]], repeatable; models: " + strings.Join(names, ", ")
}

func runSimulate(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "simulate", "--out DIR [--stations N] [--seed S] [--fraud MODEL …]",
		"Writes a synthetic election with known truth in the files actas reads: election.json,\n"+
			"stations.csv, witness.csv and official.csv (sheets), official-totals.csv, snapshots.csv, and\n"+
			"truth.json (the true result and every falsified station). The same seed gives the same files.")
	out := flags.String("out", "", "directory to write (created if missing)")
	stations := flags.Int("stations", simulate.DefaultStations, "polling stations")
	seed := flags.Uint64("seed", 1, "random seed")
	levels := flags.Int("levels", simulate.DefaultLevels, "levels of geography, 2 to 5")
	choices := flags.Int("choices", simulate.DefaultChoices, fmt.Sprintf("candidates, 2 to %d", simulate.MaxChoices))
	var frauds fraudFlags
	flags.Var(&frauds, "fraud", fraudHelp())
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *out == "" {
		flags.Usage()
		return &usageError{"simulate: --out is required"}
	}
	ds, truth, err := simulate.Run(simulate.Config{Stations: *stations, Seed: *seed, Levels: *levels, Choices: *choices, Fraud: frauds})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return actas.Errorf(actas.EINVALID, "%v", err)
	}
	if err := writeDataset(*out, ds, truth); err != nil {
		return err
	}
	witness := 0
	for _, s := range ds.Sheets {
		if s.Source == actas.Witness {
			witness++
		}
	}
	db := filepath.Join(*out, "sim.db")
	fmt.Fprintf(env.Stdout, "wrote %s to %s: %d stations, %d witness sheets, %d official sheets (%d falsified)\n",
		ds.Election.ID, *out, len(ds.Stations), witness, len(ds.Sheets)-witness, len(truth.Falsified))
	fmt.Fprintf(env.Stdout, "load it with:\n  actas init --db %[1]s --election %[2]s --stations %[3]s\n  actas import --db %[1]s %[4]s\n  actas import --db %[1]s --source official %[5]s\n  actas import --db %[1]s --kind totals %[6]s\n  actas import --db %[1]s --kind snapshots %[7]s\n",
		db, filepath.Join(*out, "election.json"), filepath.Join(*out, "stations.csv"), filepath.Join(*out, "witness.csv"),
		filepath.Join(*out, "official.csv"), filepath.Join(*out, "official-totals.csv"), filepath.Join(*out, "snapshots.csv"))
	return nil
}

// writeDataset writes a simulated election in the formats of DESIGN.md.
func writeDataset(dir string, ds *actas.Dataset, truth *simulate.Truth) error {
	idx := sheetio.NewIndex(ds.Stations)
	c := &ds.Election.Contests[0]
	files := []struct {
		name  string
		write func(w io.Writer) error
	}{
		{"election.json", func(w io.Writer) error { return sheetio.WriteElection(w, ds.Election) }},
		{"stations.csv", func(w io.Writer) error { return sheetio.WriteStations(w, ds.Election.Levels, ds.Stations) }},
		{"witness.csv", func(w io.Writer) error { return writeSheets(w, c, ds.Sheets, actas.Witness) }},
		{"official.csv", func(w io.Writer) error { return writeSheets(w, c, ds.Sheets, actas.Official) }},
		{"official-totals.csv", func(w io.Writer) error { return sheetio.WriteTotals(w, ds.Totals) }},
		{"snapshots.csv", func(w io.Writer) error { return sheetio.WriteSnapshots(w, ds.Snapshots, idx.Station, idx.Area) }},
		{"truth.json", func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(truth)
		}},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeSheets(w io.Writer, c *actas.Contest, subs []*actas.Submission, src actas.Source) error {
	sw, err := sheetio.NewSheetWriter(w, sheetio.SheetColumns{Voters: true}, c)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Source == src {
			if err := sw.Write(&s.Sheet); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// writeFile writes through a temporary file renamed into place, so a failed
// run never leaves a truncated file that looks complete.
func writeFile(path string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := newBufferedWriter(tmp)
	if err := write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
