package translog_test

import (
	"fmt"
	"log"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/tlog"
)

// A witness's sheet enters the log; the witness keeps a receipt, which
// anyone holding the log's public key can verify offline.
func Example() {
	e := &actas.Election{
		ID: "ve-2024", Name: "Presidential election", Levels: []string{"state", "center"},
		Contests: []actas.Contest{{ID: "president", Name: "President", Choices: []actas.Choice{{ID: "eg"}, {ID: "nm"}}}},
	}
	stations := []actas.Station{{Code: "10113042.1", Area: "DTTO. CAPITAL/10113042", Registered: 666}}
	sheet := &actas.Submission{
		Seq: 1, Election: e.ID, Source: actas.Witness,
		Sheet:     actas.Sheet{Station: "10113042.1", Contest: "president", Votes: []int64{232, 120}, Ballots: 352, Voters: actas.Unknown},
		Submitter: "witness-17", Received: time.Date(2024, 7, 28, 19, 12, 0, 0, time.UTC),
	}

	// The entries: the election's definition (entry 0), then the sheet
	// (entry 1: its Seq).
	definition, err := translog.EncodeElection(e, stations)
	if err != nil {
		log.Fatal(err)
	}
	entry, err := translog.EncodeSubmission(nil, sheet, &e.Contests[0])
	if err != nil {
		log.Fatal(err)
	}

	// A store keeps the hashes each append returns, at their stored-hash
	// indexes, in the transaction that stores the entry.
	var stored []tlog.Hash
	store := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			out[i] = stored[x]
		}
		return out, nil
	})
	a := translog.NewAppender(0, store)
	for _, b := range [][]byte{definition, entry} {
		hs, err := a.Append(b)
		if err != nil {
			log.Fatal(err)
		}
		stored = append(stored, hs...)
	}
	root, err := a.Root()
	if err != nil {
		log.Fatal(err)
	}

	// The deployment signs a checkpoint with its key (made once, by
	// actas init, and kept outside the database).
	skey, vkey, err := translog.GenerateKey("actas")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	origin := translog.Origin("actas", e.ID)
	checkpoint := translog.Checkpoint{Origin: origin, Size: a.Size(), Hash: root}
	signed, err := translog.Sign(checkpoint, signer)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("checkpoint:\n%s", checkpoint.Body())

	// The witness's receipt: the entry, its index, the checkpoint and the
	// inclusion proof.
	proof, err := translog.ProveInclusion(checkpoint.Size, sheet.Seq, store)
	if err != nil {
		log.Fatal(err)
	}
	receipt := translog.Receipt{Index: sheet.Seq, Entry: string(entry), Checkpoint: string(signed), Proof: translog.ProofBytes(proof)}

	// Anyone with the public key checks it, without asking the log.
	verifier, err := translog.NewVerifier(vkey)
	if err != nil {
		log.Fatal(err)
	}
	c, err := receipt.Verify(verifier, origin)
	fmt.Printf("receipt of entry %d in the log of %d entries: %v\n", receipt.Index, c.Size, err)

	// A receipt whose numbers were changed does not verify.
	forged := *sheet
	forged.Sheet.Votes = []int64{120, 232}
	forgedEntry, err := translog.EncodeSubmission(nil, &forged, &e.Contests[0])
	if err != nil {
		log.Fatal(err)
	}
	receipt.Entry = string(forgedEntry)
	_, err = receipt.Verify(verifier, origin)
	fmt.Println("forged receipt:", err)
	// Output:
	// checkpoint:
	// actas/ve-2024
	// 2
	// R58+CQ37lK45CaJHmybAZ9FgzAlfrZ5c9DlZH7go8yY=
	// receipt of entry 1 in the log of 2 entries: <nil>
	// forged receipt: entry 1 is not in the tree of checkpoint 2: the proof leads to root b1bb46996ecad4850d228bfc248e60e6ae3c3a497a28c6e62aaca90c374a589f, not 479f3e090dfb94ae3909a2479b26c067d160cc095fad9e5cf439591fb828f326
}

// ParseEntry reads an entry back; what it returns encodes to the same
// bytes, so anyone can recompute totals from the log alone.
func ExampleParseEntry() {
	entry := translog.EncodeTotal("ve-2024", &actas.OfficialTotal{
		Contest: "president", Bulletin: "bulletin-2", Area: actas.JoinPath("EDO. ANZOATEGUI", "MP. L/DIEGO BAUTISTA"), Choice: "nm", Votes: 25841,
	})
	fmt.Printf("%s", entry)
	e, err := translog.ParseEntry(entry)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s in %q: %d\n", e.Kind, e.Total.Choice, e.Total.Area, e.Total.Votes)
	// Output:
	// actas-log-entry v1
	// kind total
	// election ve-2024
	// contest president
	// bulletin "bulletin-2"
	// area "EDO. ANZOATEGUI/MP. L\\/DIEGO BAUTISTA"
	// choice nm
	// votes 25841
	// total: nm in "EDO. ANZOATEGUI/MP. L\\/DIEGO BAUTISTA": 25841
}
