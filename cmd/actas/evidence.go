package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/actasproject/actas"
	"golang.org/x/term"
)

// evidenceCommands are the subcommands of `actas evidence`.
var evidenceCommands = []command{
	{"add", "store photos or scans of sheets and print their names", runEvidenceAdd},
	{"get", "write a stored file to standard output", runEvidenceGet},
}

func runEvidence(ctx context.Context, env *Env, args []string) error {
	return runSubcommands(ctx, env, args, "evidence", evidenceCommands,
		"The files that back sheets: photos of tally sheets, scans. Each is named by the SHA-256 of its\n"+
			"bytes, which a sheets file's photos column and the sheet's log entry name.")
}

func runEvidenceAdd(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "evidence add", "[--db DB] [--election ID] FILE...",
		fmt.Sprintf("Stores each FILE as evidence of the election and prints its name (the SHA-256 of its bytes)\n"+
			"and the file, as sha256sum does. Name a sheet's photos in the photos column of its sheets file\n"+
			"(docs/files.md), then import it. A file is a JPEG, PNG, WebP or GIF image or a PDF of at most\n"+
			"%d MiB, its type read from its content. Storing a file again changes nothing; stored files are\n"+
			"never changed or deleted.", actas.MaxEvidenceSize>>20))
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	files, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		flags.Usage()
		return &usageError{"evidence add: name at least one FILE"}
	}
	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	failed := 0
	for _, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, err := addEvidence(ctx, store, e.ID, path)
		if err != nil {
			if len(files) == 1 {
				return err
			}
			// The other files are still worth storing; each failure is
			// reported as it happens.
			fmt.Fprintf(env.Stderr, "actas: %v\n", err)
			failed++
			continue
		}
		fmt.Fprintf(env.Stdout, "%s  %s\n", name, path)
	}
	switch {
	case failed == len(files):
		return actas.Errorf(actas.EINVALID, "none of the %d files was stored (see above)", failed)
	case failed > 0:
		return actas.Errorf(actas.EINVALID, "%d of %d files were not stored (see above); the others were", failed, len(files))
	}
	return nil
}

// addEvidence stores the file at path as evidence of the election and
// returns its name. A file over the size limit is refused before it is
// read.
func addEvidence(ctx context.Context, store actas.EvidenceStore, election, path string) (string, error) {
	f, err := openInput(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", actas.Errorf(actas.EINVALID, "%v", err)
	}
	if fi.IsDir() {
		return "", actas.Errorf(actas.EINVALID, "%s is a directory, not a file", path)
	}
	if fi.Mode().IsRegular() && fi.Size() > actas.MaxEvidenceSize {
		return "", actas.Errorf(actas.EINVALID, "%s has %d bytes, more than the limit of %d MiB for an evidence file", path, fi.Size(), actas.MaxEvidenceSize>>20)
	}
	// One byte more than the limit lets the store refuse what grew, or a
	// pipe that is too long, with its own message.
	data, err := io.ReadAll(io.LimitReader(f, actas.MaxEvidenceSize+1))
	if err != nil {
		return "", actas.Errorf(actas.EINVALID, "%s: %v", path, err)
	}
	name, err := store.PutEvidence(ctx, election, data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return name, nil
}

func runEvidenceGet(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "evidence get", "[--db DB] [--election ID] SHA256 > FILE",
		"Writes the stored file named SHA256 to standard output, after checking that its bytes still\n"+
			"hash to its name. It refuses to write to a terminal: redirect the output to a file.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		flags.Usage()
		return &usageError{"evidence get: name exactly one SHA256"}
	}
	// Pages show names as sha256:…; a name copied from one works too.
	name := strings.TrimPrefix(rest[0], "sha256:")
	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	mediaType, data, err := store.Evidence(ctx, e.ID, name)
	if err != nil {
		return err
	}
	if f, ok := env.Stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return actas.Errorf(actas.EINVALID, "evidence get: the file is %s, %d bytes: redirect the output to a file (> FILE) rather than to the terminal", mediaType, len(data))
	}
	if _, err := env.Stdout.Write(data); err != nil {
		return fmt.Errorf("evidence get: write: %w", err)
	}
	return nil
}

// missingPhotoHint adds to an import's error about a photo the election
// does not store how to store it.
func missingPhotoHint(err error, election string) error {
	var mp *actas.MissingPhotoError
	if !errors.As(err, &mp) {
		return err
	}
	return fmt.Errorf("%w: store the sheets' photos first, with `actas evidence add --election %s FILE...`", err, election)
}
