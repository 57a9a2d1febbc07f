package sqlite

// Unlogged makes db store submissions without appending them to the log,
// for BenchmarkLogCost's comparison only: such a store's log no longer
// matches its rows.
func Unlogged(db *DB) { db.unlogged = true }

// LogPageBytes is the size of a full page of log hashes.
const LogPageBytes = pageBytes
