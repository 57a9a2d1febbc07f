//go:build !unix

package postgres_test

// syncDisks does nothing where the system has no sync(2); the benchmark's
// runs then only start after a checkpoint.
func syncDisks() {}
