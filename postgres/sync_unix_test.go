//go:build unix

package postgres_test

import "syscall"

// syncDisks asks the system to write every dirty page to disk.
func syncDisks() { syscall.Sync() }
