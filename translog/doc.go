// Package translog is the transparency log of an election: every accepted
// submission, official total, turnout snapshot and (later) decision becomes
// one entry of an append-only Merkle tree (RFC 6962, as in Certificate
// Transparency and Go's checksum database), whose size and root hash the
// deployment signs in checkpoints. Anyone holding a checkpoint can check
// that an entry is in the log (inclusion proof) and that a later log only
// adds to it (consistency proof), so nobody, the project included, can
// quietly change or remove a number once it is logged.
//
// The package is pure: it encodes and parses entries, computes what a store
// must keep when entries are appended (Appender, with
// golang.org/x/mod/sumdb/tlog), proves, signs and verifies. Stores keep the
// hashes, in the transaction that stores the entries. Verification
// (Receipt.Verify, VerifyInclusion, VerifyConsistency, Recount) uses
// transparency-dev/merkle, an independent implementation.
//
// # Entries
//
// An entry is text, one "key value" line per field in a fixed order, after
// the line "actas-log-entry v1"; free text is quoted as Go quotes strings.
// The encoding is canonical: one entry has one encoding and one hash, and
// ParseEntry refuses anything else. An election's first entry (kind
// election) holds its definition and the SHA-256 of its stations
// (StationsDigest), so that the geography cannot change unseen either.
//
// # Checkpoints
//
// A checkpoint is a C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint)
// signed with Ed25519 as a note: the origin (Origin: the key's name and the
// election id), the size and the base64 root hash.
package translog
