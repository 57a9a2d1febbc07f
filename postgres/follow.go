package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// logChannel is the LISTEN/NOTIFY channel on which every transaction that
// appends to a log announces, at its commit, the election's id.
const logChannel = "actas_log"

// pollEvery bounds how long WaitLog waits for a notification before it
// reads the log's size again: a notification sent while its connection was
// being replaced is lost, a poll is not.
const pollEvery = time.Second

// WaitLog waits until the election's log has more than size entries,
// appended by this process or any other sharing the database, and returns
// its size then; at once when it has already. It listens for the
// notification every append sends at its commit (LISTEN/NOTIFY) and reads
// the size again at least every second, so that an instance following the
// others (e.g. to update its tabulation with Submissions) learns of their
// writes within a second at most. It holds one connection while it waits.
// Errors: ENOTFOUND for an unknown election; ctx's error when it ends
// first.
func (db *DB) WaitLog(ctx context.Context, election string, size int64) (int64, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return 0, err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: wait for the log of %s: %w", election, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `LISTEN `+logChannel); err != nil {
		return 0, fmt.Errorf("postgres: wait for the log of %s: %w", election, err)
	}
	defer func() {
		// A connection that still listens must not go back to the pool.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `UNLISTEN `+logChannel); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	for {
		// Read after LISTEN: an append committed from here on is either
		// counted now or notified.
		x, err := readLogExtent(ctx, conn, m, false)
		if err != nil {
			return 0, fmt.Errorf("postgres: wait for the log of %s: %w", election, err)
		}
		if n := x.Size(); n > size {
			return n, nil
		}
		wait, cancel := context.WithTimeout(ctx, pollEvery)
		_, err = conn.Conn().WaitForNotification(wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil && !errors.Is(err, context.DeadlineExceeded) && !conn.Conn().IsClosed():
			// A timeout is the poll; anything else is worth reporting.
			return 0, fmt.Errorf("postgres: wait for the log of %s: %w", election, err)
		case conn.Conn().IsClosed():
			return 0, fmt.Errorf("postgres: wait for the log of %s: the connection closed: %w", election, err)
		}
		// Any election's append wakes us: the size says whether it was ours.
	}
}
