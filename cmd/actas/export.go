package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/opendata"
)

func runExport(ctx context.Context, env *Env, args []string) error {
	// The static copy of the portal is its own command with its own flags.
	for i, a := range args {
		if a == "--static" || a == "-static" {
			return runExportStatic(ctx, env, append(args[:i:i], args[i+1:]...))
		}
	}
	flags := newFlagSet(env, "export", "--format stations-csv|openelections|nist [--db DB] [--source S] [--contest C] [--out FILE]   |   --static --dir DIR --base-url URL [--db DB]",
		"Writes the election's per-station results as open data (docs/files.md, \"Open data exports\"):\n"+
			"  stations-csv    one row per station, contest and source (every source and the reconciled\n"+
			"                  view unless --source names one)\n"+
			"  openelections   OpenElections long CSV: one row per station and choice (--source, default official)\n"+
			"  nist            NIST SP 1500-100 v2 JSON, precinct-level (--source, default official)\n"+
			"Every contest is written unless --contest names one. Without --out the file goes to stdout.\n"+
			"With --static it writes the whole public portal as files instead (actas export --static -h).")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	format := flags.String("format", "", "stations-csv, openelections or nist (required)")
	sourceName := flags.String("source", "", "witness, official, machine, qr, audit or reconciled")
	contestID := flags.String("contest", "", "a contest id (default: every contest)")
	out := flags.String("out", "", "file to write (default: stdout); written whole or not at all")
	admin := flags.String("administration", "", "nist: the election authority's name (ElectionAdministration)")
	lang := flags.String("language", "", "nist: language of the names, a BCP 47 tag such as es (default und)")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *format == "" {
		return &usageError{"export: --format is required: stations-csv, openelections or nist"}
	}
	f, err := opendata.ParseFormat(*format)
	if err != nil {
		return &usageError{"export: " + actas.ErrorMessage(err)}
	}
	opt := opendata.Options{Administration: *admin, Language: *lang, Vendor: "actas " + version}
	if *sourceName != "" {
		src, err := actas.ParseSource(*sourceName, true)
		if err != nil {
			return err
		}
		opt.Sources = []actas.Source{src}
	}
	if *contestID != "" {
		opt.Contests = []string{*contestID}
	}

	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	if *contestID != "" {
		if _, err := e.Contest(*contestID); err != nil {
			return err
		}
	}
	tab, err := loadResults(ctx, store)
	if err != nil {
		return err
	}
	var bar *progress
	opt.Progress = func(done, total int) {
		if bar == nil {
			bar = newProgress(env, int64(total), "exporting "+string(f), "stations")
		}
		bar.set(done)
	}
	defer func() {
		if bar != nil {
			bar.done()
		}
	}()

	if *out == "" {
		w := newBufferedWriter(env.Stdout)
		if err := opendata.Write(w, f, e, tab, opt); err != nil {
			return err
		}
		return w.Flush()
	}
	return writeFileAtomically(*out, func(w *os.File) error {
		bw := newBufferedWriter(w)
		if err := opendata.Write(bw, f, e, tab, opt); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// writeFileAtomically writes path through a temporary file in the same
// directory, renamed over path only when write succeeds: an interrupted
// export never leaves a file that looks complete.
func writeFileAtomically(path string, write func(*os.File) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return actas.Errorf(actas.EINVALID, "--out %s: %v", path, errors.Unwrap(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return actas.Errorf(actas.EINVALID, "--out %s: %v", path, errors.Unwrap(err))
	}
	return nil
}
