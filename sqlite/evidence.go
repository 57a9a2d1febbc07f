package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
)

// PutEvidence stores data as a file of the election, named by its SHA-256.
// See actas.EvidenceStore.
func (db *DB) PutEvidence(ctx context.Context, election string, data []byte) (string, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return "", err
	}
	mediaType, err := actas.EvidenceType(data)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:])
	// A file put again (a retried upload) is found by a reader, without
	// queueing megabytes behind the writer.
	var one int
	switch err := db.r.QueryRowContext(ctx, `SELECT 1 FROM evidence WHERE election = ? AND sha256 = ?`, m.id, name).Scan(&one); {
	case err == nil:
		return name, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("sqlite: evidence %s of %s: %w", name, election, err)
	}
	// DO NOTHING: another writer may have stored the same bytes meanwhile,
	// and the file it stored is this one.
	if _, err := db.w.ExecContext(ctx, `INSERT INTO evidence (election, sha256, media_type, size, data, stored)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (election, sha256) DO NOTHING`,
		m.id, name, mediaType, len(data), data, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return "", fmt.Errorf("sqlite: store evidence %s of %s: %w", name, election, err)
	}
	return name, nil
}

// Evidence returns the election's file named name and its media type. See
// actas.EvidenceStore.
func (db *DB) Evidence(ctx context.Context, election, name string) (string, []byte, error) {
	if !actas.ValidSHA256(name) {
		return "", nil, actas.Errorf(actas.EINVALID, "%q is not the name of an evidence file: names are 64 lowercase hexadecimal digits (a SHA-256)", storeutil.ClipName(name))
	}
	m, err := db.meta(ctx, election)
	if err != nil {
		return "", nil, err
	}
	var mediaType string
	var data []byte
	err = db.r.QueryRowContext(ctx, `SELECT media_type, data FROM evidence WHERE election = ? AND sha256 = ?`, m.id, name).Scan(&mediaType, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, actas.Errorf(actas.ENOTFOUND, "election %s has no evidence file sha256:%s", election, name)
	}
	if err != nil {
		return "", nil, fmt.Errorf("sqlite: evidence %s of %s: %w", name, election, err)
	}
	if err := storeutil.CheckStoredEvidence(election, name, mediaType, data); err != nil {
		return "", nil, err
	}
	return mediaType, data, nil
}

// photosPerQuery is how many photo names one query looks up.
const photosPerQuery = 256

// checkPhotos makes sure every photo the batch names is stored for its
// election, in tx: a few queries per thousand photos, none without.
// Errors: EINVALID with a *actas.MissingPhotoError naming the first
// submission, in batch order, whose photo is missing.
func (b *batch) checkPhotos(ctx context.Context, tx *sql.Tx) error {
	if len(b.Photos) == 0 {
		return nil
	}
	names := b.Photos.Names()
	missing := make(map[string]bool, len(names))
	for _, name := range names {
		missing[name] = true
	}
	args := make([]any, 0, 1+photosPerQuery)
	for start := 0; start < len(names); start += photosPerQuery {
		chunk := names[start:min(start+photosPerQuery, len(names))]
		args = append(args[:0], b.m.id)
		for _, name := range chunk {
			args = append(args, name)
		}
		q := `SELECT sha256 FROM evidence WHERE election = ? AND sha256 IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		if err := scanNames(ctx, tx, q, args, missing); err != nil {
			return fmt.Errorf("sqlite: submit to %s: photos: %w", b.m.code, err)
		}
	}
	return b.Photos.Missing(b.m.code, b.Subs, missing)
}

// scanNames runs q and deletes the names it returns from missing.
func scanNames(ctx context.Context, tx *sql.Tx, q string, args []any, missing map[string]bool) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var name string
	for rows.Next() {
		if err := rows.Scan(&name); err != nil {
			return err
		}
		delete(missing, name)
	}
	return rows.Err()
}
