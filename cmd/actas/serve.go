package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/review"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/web"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func runServe(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "serve", "--db DB [--addr :8080] [--key FILE | --log-key VKEY]",
		"Serves the public portal, the JSON API (/api/v1/) and the transparency log (/log/) of every\n"+
			"election in the store. Sheets imported by other commands while it runs appear within a few\n"+
			"seconds. With the log's signing key it signs a checkpoint of each log that grew, every\n"+
			"--checkpoint-every; without it, it serves the checkpoints whoever holds the key signs.")
	db := flags.String("db", "", dbUsage)
	addr := flags.String("addr", ":8080", "address to listen on")
	keyFile := flags.String("key", "", keyFlagUsage)
	logKey := flags.String("log-key", "", "the log's verifier key, to show when this server does not hold the signing key")
	every := flags.Duration("checkpoint-every", 2*time.Second, "how often to sign a checkpoint of a log that grew")
	writeRate := flags.Float64("write-rate", 0, "writes (sheets, turnout counts, photos) each account may send per second, in bursts of 100 (0: 10; negative: no limit)")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *every <= 0 {
		return &usageError{"serve: --checkpoint-every must be positive"}
	}
	dbPath := dbFlag(env, *db)
	key, hasKey, err := loadSigningKey(env, dbPath, *keyFile)
	if err != nil {
		return err
	}
	vkey, err := servedVerifierKey(key, *logKey)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, dbPath, true)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	tab, err := loadResults(ctx, store)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, nil))
	logger.Info("results loaded", "elapsed", time.Since(start).Round(time.Millisecond))
	// Other instances (or an import) store too: their sheets show here
	// within a second.
	go follow(ctx, logger, store, tab, 500*time.Millisecond)
	var sg *signer
	if hasKey {
		logger.Info("signing log checkpoints", "key", key.where, "verifier", key.vkey, "every", *every)
		sg = newSigner()
		go sg.run(ctx, logger, store, key, *every)
	} else {
		where, _ := keyLocation(env, dbPath, *keyFile)
		logger.Warn("no log signing key: serving the log without signing checkpoints; they come from whoever holds the key", "looked in", where)
	}
	return serveUntilDone(ctx, env, logger, store, tab, vkey, *addr, "", sg, *writeRate)
}

// servedVerifierKey is the verifier key the portal shows: the signing
// key's, or --log-key; both must agree.
func servedVerifierKey(key *signingKey, flagValue string) (string, error) {
	if flagValue == "" {
		if key == nil {
			return "", nil
		}
		return key.vkey, nil
	}
	_, vkey, err := parseVerifierFlag(flagValue)
	if err != nil {
		return "", err
	}
	if key != nil && vkey != key.vkey {
		return "", actas.Errorf(actas.EINVALID, "--log-key %s is not the verifier key of the signing key %s (%s)", vkey, key.where, key.vkey)
	}
	return vkey, nil
}

// serveUntilDone serves the portal until ctx ends, printing its URL.
func serveUntilDone(ctx context.Context, env *Env, logger *slog.Logger, store actas.Store, results actas.ResultService, logKey, addr, banner string, sg *signer, writeRate float64) error {
	cfg := web.Config{Store: store, Results: results, Logger: logger, Version: version, LogKey: logKey, WriteRate: writeRate}
	if sg != nil {
		cfg.Nudge = sg.Nudge
	}
	srv, err := web.New(cfg)
	if err != nil {
		return err
	}
	if sg != nil {
		sg.onKept(srv.CheckpointKept)
		sg.onSigned(srv.CheckpointSigned)
	}
	url, err := srv.Listen(addr)
	if err != nil {
		return actas.Errorf(actas.EINVALID, "listen on %s: %v", addr, err)
	}
	if banner != "" {
		fmt.Fprintln(env.Stdout, banner)
	}
	fmt.Fprintf(env.Stdout, "serving at %s (Ctrl-C to stop)\n", url)
	if env.Ready != nil {
		env.Ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		if err := srv.Close(); err != nil {
			return err
		}
		<-errc
		return nil
	}
}

// follow brings into the tabulation what other processes store (an
// `actas import` while the portal runs, a coordinator's decision taken on
// another instance). One SQLite writer commits Seqs in order, so asking for
// every submission after the highest Seq tabulated misses nothing;
// decisions are few and read whole, those tabulated already skipped.
func follow(ctx context.Context, logger *slog.Logger, store actas.Store, tab *tabulate.Tabulator, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		elections, err := store.Elections(ctx)
		if err != nil {
			logger.Warn("follow: list elections", "err", err)
			continue
		}
		for _, e := range elections {
			if _, err := tab.Election(e.ID); actas.ErrorCode(err) == actas.ENOTFOUND {
				stations, err := store.Stations(ctx, e.ID)
				if err == nil {
					err = tab.AddElection(e, stations)
				}
				if err != nil {
					logger.Warn("follow: new election", "election", e.ID, "err", err)
					continue
				}
				logger.Info("new election", "election", e.ID)
			}
			seq, err := tab.SubmissionSeq(e.ID)
			if err == nil {
				err = tab.CatchUp(ctx, store, e.ID, seq)
			}
			if err == nil {
				// After the submissions: a decision applies to them.
				err = review.ApplyAll(ctx, store, tab, e.ID)
			}
			if err != nil && ctx.Err() == nil {
				logger.Warn("follow: catch up", "election", e.ID, "err", err)
			}
		}
	}
}
