package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/note"
)

// logCommands are the subcommands of `actas log`.
var logCommands = []command{
	{"key", "print the log's verifier key, for others to verify checkpoints with", runLogKey},
	{"sign", "sign a checkpoint of each election's log that grew since the last one", runLogSign},
	{"verify", "audit an election's log and the results served from it", runLogVerify},
	{"check-receipt", "verify receipts of log entries, offline or against the latest checkpoint", runLogCheckReceipt},
}

func runLog(ctx context.Context, env *Env, args []string) error {
	return runSubcommands(ctx, env, args, "log", logCommands,
		"The transparency log (docs/log.md).")
}

func runLogKey(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "log key", "[--db DB | --key FILE]",
		"Prints the verifier key of the log's signing key ($"+logKeyEnv+", --key FILE, or DB.key beside the\n"+
			"database): publish it, so that anyone can check checkpoints and receipts with `actas log verify`\n"+
			"and `actas log check-receipt`.")
	db := flags.String("db", "", dbUsage)
	keyFile := flags.String("key", "", keyFlagUsage)
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	dbPath := dbFlag(env, *db)
	k, ok, err := loadSigningKey(env, dbPath, *keyFile)
	if err != nil {
		return err
	}
	if !ok {
		where, _ := keyLocation(env, dbPath, *keyFile)
		return actas.Errorf(actas.ENOTFOUND, "no log signing key at %s: `actas init` creates one", where)
	}
	fmt.Fprintln(env.Stdout, k.vkey)
	return nil
}

func runLogSign(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "log sign", "--db DB [--election ID] [--key FILE]",
		"Signs a checkpoint of each election's log (or of --election's) that grew since its latest\n"+
			"checkpoint, after checking that the stored log extends that checkpoint: it refuses to sign a\n"+
			"log that was rewritten. init, import and serve sign on their own; this is for a store written\n"+
			"without the key at hand.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", "only this election")
	keyFile := flags.String("key", "", keyFlagUsage)
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	dbPath := dbFlag(env, *db)
	key, ok, err := loadSigningKey(env, dbPath, *keyFile)
	if err != nil {
		return err
	}
	if !ok {
		where, _ := keyLocation(env, dbPath, *keyFile)
		return actas.Errorf(actas.ENOTFOUND, "no log signing key at %s", where)
	}
	store, err := openStore(ctx, dbPath, true)
	if err != nil {
		return err
	}
	defer store.Close()
	ids := []string{*electionID}
	if *electionID == "" {
		es, err := store.Elections(ctx)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, e := range es {
			ids = append(ids, e.ID)
		}
	}
	var failed error
	for _, id := range ids {
		cp, err := signOnce(ctx, env, store, key, key.where, id)
		if err != nil {
			fmt.Fprintf(env.Stderr, "actas: %v\n", err)
			failed = errors.Join(failed, err)
			continue
		}
		fmt.Fprintf(env.Stdout, "log of %s: latest checkpoint %d entries\n", id, cp.Size)
	}
	return failed
}

// ---- receipts ----

// writeReceipts writes to a new file, as JSON lines, a receipt for each
// of the stored log indexes against checkpoint cp: the entry, the signed
// checkpoint and the inclusion proof. Each receipt is verified before it
// is written. It returns how many were written.
func writeReceipts(ctx context.Context, store actas.LogStore, election string, cp *actas.Checkpoint, stored []int64, path string) (int, error) {
	if cp == nil {
		return 0, actas.Errorf(actas.EINTERNAL, "no checkpoint to write receipts against")
	}
	stored = slices.Clone(stored)
	slices.Sort(stored)
	stored = slices.Compact(stored)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, actas.Errorf(actas.EINVALID, "%v", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(path) // no half-written receipts file
		}
	}()
	c, err := translog.ParseCheckpoint(noteText(cp.Note))
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(bw)
	hr := newHashCache(storeHashes{ctx: ctx, store: store, election: election}, cp.Size)
	n := 0
	if len(stored) > 0 {
		if last := stored[len(stored)-1]; last >= cp.Size {
			return 0, actas.Errorf(actas.EINTERNAL, "entry %d is not in the checkpoint of %d entries", last, cp.Size)
		}
		k := 0
		err = store.LogEntries(ctx, election, stored[0], stored[len(stored)-1]+1, func(i int64, entry []byte) error {
			if k == len(stored) || stored[k] != i {
				return nil
			}
			k++
			p, err := translog.ProveInclusion(cp.Size, i, hr)
			if err != nil {
				return fmt.Errorf("inclusion proof of entry %d: %w", i, err)
			}
			rc := &translog.Receipt{Index: i, Entry: string(entry), Checkpoint: string(cp.Note), Proof: translog.ProofBytes(p)}
			// The same check a holder runs, minus the signature, already
			// checked when the checkpoint was signed.
			if err := translog.VerifyInclusion(c, i, translog.LeafHash(entry), rc.Proof); err != nil {
				return fmt.Errorf("receipt of entry %d does not verify: %w", i, err)
			}
			n++
			return enc.Encode(rc)
		})
		if err == nil && k != len(stored) {
			err = actas.Errorf(actas.EINTERNAL, "the log gave %d of the %d entries stored", k, len(stored))
		}
		if err != nil {
			return 0, err
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, actas.Errorf(actas.EINVALID, "%v", err)
	}
	if err := f.Sync(); err != nil {
		return 0, actas.Errorf(actas.EINVALID, "%v", err)
	}
	done = true
	if err := f.Close(); err != nil {
		return 0, actas.Errorf(actas.EINVALID, "%v", err)
	}
	return n, nil
}

// noteText is the signed text of a note: what precedes the blank line.
func noteText(msg []byte) []byte {
	for i := 0; i+1 < len(msg); i++ {
		if msg[i] == '\n' && msg[i+1] == '\n' {
			return msg[:i+1]
		}
	}
	return msg
}

func runLogCheckReceipt(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "log check-receipt", "--key VKEY [--url URL | --db DB] FILE",
		"Verifies receipts (JSON, one per line, as `actas import --receipts` writes them or an entry page\n"+
			"offers): the checkpoint's signature with the verifier key, and the inclusion proof of the\n"+
			"entry. Offline by default. With --url (or --db) it also fetches the log's latest checkpoint and a\n"+
			"consistency proof, and checks that each receipt still holds in it: the entry was not removed.")
	keyFlag := flags.String("key", "", "the log's verifier key (name+hash+key), or a file holding it")
	rawURL := flags.String("url", "", "address of the portal serving the log")
	db := flags.String("db", "", "a local store instead of --url")
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		flags.Usage()
		return &usageError{"log check-receipt: name exactly one receipts FILE"}
	}
	if *rawURL != "" && *db != "" {
		return &usageError{"log check-receipt: give --url or --db, not both"}
	}
	var src logSource
	switch {
	case *rawURL != "":
		if src, err = portalSource(ctx, *rawURL); err != nil {
			return err
		}
	case *db != "":
		store, err := openStore(ctx, *db, true)
		if err != nil {
			return err
		}
		defer store.Close()
		src = &dbSource{path: *db, store: store}
	}
	if *keyFlag == "" && *db == "" {
		return &usageError{"log check-receipt: --key VKEY is required: the log's verifier key"}
	}
	verifier, _, err := verifierFor(env, *keyFlag, *db)
	if err != nil {
		return err
	}
	f, err := openInput(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	chk := &receiptChecker{src: src, key: verifier, latest: map[string]*translog.Checkpoint{}}
	dec := json.NewDecoder(bufio.NewReader(f))
	var n, bad int
	var first error
	for {
		var rc translog.Receipt
		err := dec.Decode(&rc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return actas.Errorf(actas.EINVALID, "%s: receipt %d is not JSON: %v", rest[0], n+1, err)
		}
		n++
		line, err := chk.check(ctx, &rc)
		if err != nil {
			bad++
			if first == nil {
				first = err
			}
			fmt.Fprintf(env.Stdout, "FAIL  receipt %d: %s\n", n, why(err))
			continue
		}
		if n <= 20 {
			fmt.Fprintf(env.Stdout, "ok    receipt %d: %s\n", n, line)
		}
	}
	if n == 0 {
		return actas.Errorf(actas.EINVALID, "%s holds no receipt", rest[0])
	}
	if bad > 0 {
		return actas.Errorf(actas.EINVALID, "%d of %d receipts do not verify; first: %s", bad, n, why(first))
	}
	where := "offline"
	if src != nil {
		where = "and still hold in the latest checkpoint of " + src.String()
	}
	fmt.Fprintf(env.Stdout, "%d receipt(s) verified %s\n", n, where)
	return nil
}

// receiptChecker verifies receipts, and with a source checks them against
// each election's latest checkpoint (fetched once).
type receiptChecker struct {
	src    logSource // nil: offline
	key    note.Verifier
	latest map[string]*translog.Checkpoint
}

func (c *receiptChecker) check(ctx context.Context, rc *translog.Receipt) (string, error) {
	verifier := c.key
	e, err := translog.ParseEntry([]byte(rc.Entry))
	if err != nil {
		return "", fmt.Errorf("entry %d: %w", rc.Index, err)
	}
	origin := translog.Origin(verifier.Name(), e.Election)
	cp, err := rc.Verify(verifier, origin)
	if err != nil {
		return "", fmt.Errorf("entry %d: %w", rc.Index, err)
	}
	if e.Kind == translog.KindSubmission && e.Submission.Seq != rc.Index {
		return "", actas.Errorf(actas.EINVALID, "entry %d: the submission's seq is %d, not its index", rc.Index, e.Submission.Seq)
	}
	line := fmt.Sprintf("entry %d of %s (%s) is in the checkpoint of %d entries signed by %s", rc.Index, e.Election, describeEntry([]byte(rc.Entry)), cp.Size, verifier.Name())
	if c.src == nil {
		return line, nil
	}
	latest := c.latest[e.Election]
	if latest == nil {
		msg, err := c.src.latest(ctx, e.Election)
		if err != nil {
			return "", fmt.Errorf("latest checkpoint of %s: %w", e.Election, err)
		}
		l, err := translog.Open(msg, origin, verifier)
		if err != nil {
			return "", fmt.Errorf("latest checkpoint of %s from %s: %w", e.Election, c.src, err)
		}
		latest = &l
		c.latest[e.Election] = latest
	}
	if latest.Size < cp.Size {
		return "", actas.Errorf(actas.EINVALID, "entry %d: the log of %s now signs %d entries, fewer than the %d of the receipt's checkpoint: it was rolled back", rc.Index, e.Election, latest.Size, cp.Size)
	}
	if latest.Size == cp.Size {
		if latest.Hash != cp.Hash {
			return "", actas.Errorf(actas.EINVALID, "entry %d: the log of %s signs another root for %d entries than the receipt's: it forked", rc.Index, e.Election, cp.Size)
		}
	} else {
		p, err := c.src.consistency(ctx, e.Election, cp.Size, latest.Size)
		if err != nil {
			return "", fmt.Errorf("entry %d: consistency proof: %w", rc.Index, err)
		}
		if err := translog.VerifyConsistency(cp, *latest, p); err != nil {
			return "", fmt.Errorf("entry %d: the latest checkpoint of %s (%d entries) does not extend the receipt's (%d): %w", rc.Index, e.Election, latest.Size, cp.Size, err)
		}
	}
	return line + fmt.Sprintf(", and still in the latest of %d entries", latest.Size), nil
}
