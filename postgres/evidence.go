package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/jackc/pgx/v5"
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
	// A file put again (a retried upload) is found without sending
	// megabytes to the server.
	var one int
	switch err := db.pool.QueryRow(ctx, `SELECT 1 FROM evidence WHERE election = $1 AND sha256 = $2`, m.id, name).Scan(&one); {
	case err == nil:
		return name, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("postgres: evidence %s of %s: %w", name, election, err)
	}
	// DO NOTHING: another writer may have stored the same bytes meanwhile,
	// and the file it stored is this one.
	if _, err := db.pool.Exec(ctx, `INSERT INTO evidence (election, sha256, media_type, size, data, stored)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (election, sha256) DO NOTHING`,
		m.id, name, mediaType, int64(len(data)), data, time.Now().UTC()); err != nil {
		return "", fmt.Errorf("postgres: store evidence %s of %s: %w", name, election, err)
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
	err = db.pool.QueryRow(ctx, `SELECT media_type, data FROM evidence WHERE election = $1 AND sha256 = $2`, m.id, name).Scan(&mediaType, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, actas.Errorf(actas.ENOTFOUND, "election %s has no evidence file sha256:%s", election, name)
	}
	if err != nil {
		return "", nil, fmt.Errorf("postgres: evidence %s of %s: %w", name, election, err)
	}
	if err := storeutil.CheckStoredEvidence(election, name, mediaType, data); err != nil {
		return "", nil, err
	}
	return mediaType, data, nil
}

// checkPhotos makes sure every photo the batch names is stored for its
// election, with one query. Evidence is never deleted, so a photo found
// stays found until the transaction commits. Errors: see photosFound.
func (b *batch) checkPhotos(ctx context.Context, tx pgx.Tx) error {
	if len(b.Photos) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, selectPhotos, b.m.id, b.Photos.Names())
	if err != nil {
		return fmt.Errorf("postgres: submit to %s: photos: %w", b.m.code, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: submit to %s: photos: %w", b.m.code, err)
	}
	return b.photosFound(found)
}

// selectPhotos selects which of the names $2 election $1 stores.
const selectPhotos = `SELECT sha256 FROM evidence WHERE election = $1 AND sha256 = ANY($2::text[])`

// photosFound checks that found holds every photo the batch names. Errors:
// EINVALID with a *actas.MissingPhotoError naming the first submission, in
// batch order, whose photo is missing.
func (b *batch) photosFound(found []string) error {
	missing := make(map[string]bool, len(b.Photos))
	for name := range b.Photos {
		missing[name] = true
	}
	for _, name := range found {
		delete(missing, name)
	}
	return b.Photos.Missing(b.m.code, b.Subs, missing)
}
