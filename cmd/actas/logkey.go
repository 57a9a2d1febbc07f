package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/note"
)

// The log's signing key is the deployment's: checkpoints of every election
// in a store are signed with it. It lives outside the database, so that a
// copy of the database (a backup, a replica, a leaked file) cannot sign:
// in the file named by --key, else in $ACTAS_LOG_KEY (the key's text), else
// in the file <db>.key beside a SQLite database.

// logKeyEnv holds a signing key's text, for deployments that keep secrets
// in the environment rather than in files.
const logKeyEnv = "ACTAS_LOG_KEY"

// defaultKeyName names the key, and so the first part of every checkpoint's
// origin (translog.Origin), unless init is given --log-name.
const defaultKeyName = "actas"

const keyFlagUsage = "file holding the log's signing key (default $" + logKeyEnv + " or DB.key beside the database)"

// signingKey is the log's secret signing key and where it was found.
type signingKey struct {
	signer   note.Signer
	verifier note.Verifier
	vkey     string // the public verifier key, as `actas log key` prints it
	where    string // "$ACTAS_LOG_KEY" or the file, for messages
}

// keyLocation returns the file the signing key is read from or created
// in, or "" when $ACTAS_LOG_KEY holds it.
func keyLocation(env *Env, db, keyFlag string) (string, error) {
	if keyFlag != "" {
		return keyFlag, nil
	}
	if env.Getenv(logKeyEnv) != "" {
		return "", nil
	}
	if strings.Contains(db, "://") {
		return "", actas.Errorf(actas.EINVALID, "the log's signing key of a database at a URL must be given with --key FILE or $%s", logKeyEnv)
	}
	return db + ".key", nil
}

// loadSigningKey returns the log's signing key; ok is false when there is
// none (no file, and $ACTAS_LOG_KEY unset). Errors: EINVALID for a key
// file others may read, or a malformed key.
func loadSigningKey(env *Env, db, keyFlag string) (key *signingKey, ok bool, err error) {
	path, err := keyLocation(env, db, keyFlag)
	if err != nil {
		return nil, false, err
	}
	if path == "" {
		k, err := parseSigningKey(env.Getenv(logKeyEnv), "$"+logKeyEnv)
		return k, err == nil, err
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, actas.Errorf(actas.EINVALID, "log signing key: %v", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, false, actas.Errorf(actas.EINVALID, "log signing key %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, false, actas.Errorf(actas.EINVALID,
			"log signing key %s may be read by other users (mode %04o): anyone who reads it can sign checkpoints in this log's name. "+
				"Run `chmod 600 %s` if nobody else has read it; otherwise treat it as leaked", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, actas.Errorf(actas.EINVALID, "log signing key: %v", err)
	}
	k, err := parseSigningKey(string(b), path)
	return k, err == nil, err
}

func parseSigningKey(text, where string) (*signingKey, error) {
	signer, err := translog.NewSigner(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	vkey, err := translog.VerifierKey(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	verifier, err := translog.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &signingKey{signer: signer, verifier: verifier, vkey: vkey, where: where}, nil
}

// ensureSigningKey returns the log's signing key, creating it (named name)
// in its file when there is none. created says it was. name "" is the
// default; a name other than an existing key's is refused.
func ensureSigningKey(env *Env, db, keyFlag, name string) (key *signingKey, created bool, err error) {
	k, ok, err := loadSigningKey(env, db, keyFlag)
	if err != nil {
		return nil, false, err
	}
	if ok {
		if name != "" && k.signer.Name() != name {
			return nil, false, actas.Errorf(actas.EINVALID, "the log signing key %s is named %q, not %q: leave out --log-name, or name another --key FILE",
				k.where, k.signer.Name(), name)
		}
		return k, false, nil
	}
	if name == "" {
		name = defaultKeyName
	}
	path, err := keyLocation(env, db, keyFlag)
	if err != nil {
		return nil, false, err
	}
	skey, _, err := translog.GenerateKey(name)
	if err != nil {
		return nil, false, err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, actas.Errorf(actas.EINVALID, "log signing key: %v", err)
		}
	}
	// O_EXCL: never overwrite a key another process created meanwhile.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, actas.Errorf(actas.EINVALID, "create log signing key: %v", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, actas.Errorf(actas.EINVALID, "write log signing key %s: %v", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, actas.Errorf(actas.EINVALID, "write log signing key %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, actas.Errorf(actas.EINVALID, "write log signing key %s: %v", path, err)
	}
	k, err = parseSigningKey(skey, path)
	if err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// announceKey tells the user a key was created: where it is, that it must
// be kept and kept secret, and the verifier key to publish.
func announceKey(env *Env, k *signingKey) {
	fmt.Fprintf(env.Stdout, "created the log signing key %s (keep it secret and back it up: it signs this log's checkpoints)\n", k.where)
	fmt.Fprintf(env.Stdout, "log verifier key (publish it): %s\n", k.vkey)
}

// parseVerifierFlag reads a --key value of the commands that verify: a
// verifier key (name+hash+key), or a file holding one, or holding the
// signing key (whose verifier key is derived).
func parseVerifierFlag(value string) (note.Verifier, string, error) {
	text := strings.TrimSpace(value)
	if fi, err := os.Stat(value); err == nil && fi.Mode().IsRegular() {
		b, err := os.ReadFile(value)
		if err != nil {
			return nil, "", actas.Errorf(actas.EINVALID, "--key %s: %v", value, err)
		}
		text = strings.TrimSpace(string(b))
	} else if !strings.Contains(text, "+") {
		return nil, "", actas.Errorf(actas.EINVALID, "--key %q is neither a verifier key (name+hash+key) nor a file holding one", clipArg(value))
	}
	if strings.HasPrefix(text, "PRIVATE+KEY+") {
		vk, err := translog.VerifierKey(text)
		if err != nil {
			return nil, "", err
		}
		text = vk
	}
	v, err := translog.NewVerifier(text)
	if err != nil {
		return nil, "", err
	}
	return v, text, nil
}

// clipArg shortens a user's argument echoed in a message.
func clipArg(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
