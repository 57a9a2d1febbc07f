package sheetio

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// The writers produce exactly the formats the readers read, and refuse
// (EINVALID, nothing useful written) a value that would not read back the
// same: a negative or oversized count, text with surrounding spaces, control
// characters or not in Unicode normal form C, a malformed area path. Write
// errors of w are returned wrapped. CSV files use LF line ends and no
// byte-order mark.

// WriteElection writes e as election.json, indented. Errors: EINVALID when
// e does not pass Validate.
func WriteElection(w io.Writer, e *actas.Election) error {
	if err := e.Validate(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return fmt.Errorf("write election %s: %w", e.ID, err)
	}
	return nil
}

// checkText returns an EINVALID error when s cannot be written as a code or
// a name that reads back unchanged. what is formatted only on failure.
func checkText(s string, what string, args ...any) error {
	if p := unwritable(s); p != "" {
		return actas.Errorf(actas.EINVALID, "%s %s", fmt.Sprintf(what, args...), p)
	}
	return nil
}

// unwritable says why s would not read back unchanged, or returns "".
func unwritable(s string) string {
	if p := textProblem(s); p != "" {
		return p
	}
	if strings.TrimSpace(s) != s {
		return quoteValue(s) + " has surrounding spaces, which a reader drops"
	}
	if nfc(s) != s {
		return quoteValue(s) + " is not in Unicode normal form C, which a reader applies"
	}
	return ""
}

// badCount reports whether v is not a count a reader takes.
func badCount(v int64) bool { return v < 0 || v > maxCount }

// countError is the EINVALID error for a bad count. Callers build what only
// on failure, keeping formatting out of the per-row path.
func countError(what string, v int64) error {
	return actas.Errorf(actas.EINVALID, "%s is %d; a count is between 0 and %d", what, v, maxCount)
}

// StationWriter writes a stations.csv file one station at a time.
type StationWriter struct {
	o        *csvOut
	levels   int
	machines bool
	seen     map[string]bool
}

// NewStationWriter writes the header `station,registered,<levels>` and,
// when machines is true, `,machines`. Without the machines column, stations'
// Machines are left out (they read back as 0, unknown).
func NewStationWriter(w io.Writer, levels []string, machines bool) (*StationWriter, error) {
	if len(levels) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "stations file: the election has no levels")
	}
	for _, l := range levels {
		if err := checkText(l, "level"); err != nil {
			return nil, err
		}
	}
	sw := &StationWriter{o: newCSVOut(w), levels: len(levels), machines: machines, seen: map[string]bool{}}
	sw.o.text("station")
	sw.o.text("registered")
	for _, l := range levels {
		sw.o.text(l)
	}
	if machines {
		sw.o.text("machines")
	}
	sw.o.end()
	return sw, nil
}

// Write writes one station. Its Area must be a path with one name per
// level, and its code must not have been written before.
func (sw *StationWriter) Write(st *actas.Station) error {
	if err := checkText(st.Code, "station code"); err != nil {
		return err
	}
	if sw.seen[st.Code] {
		return actas.Errorf(actas.EINVALID, "station %s is written twice; a station code must be unique", st.Code)
	}
	names, err := actas.SplitPath(st.Area)
	if err != nil {
		return fmt.Errorf("station %s: %w", st.Code, err)
	}
	if len(names) != sw.levels {
		return actas.Errorf(actas.EINVALID, "station %s: area %s has %d names; the election has %d levels", st.Code, quoteValue(st.Area), len(names), sw.levels)
	}
	for _, n := range names {
		if p := unwritable(n); p != "" {
			return actas.Errorf(actas.EINVALID, "station %s: area name %s", st.Code, p)
		}
	}
	if badCount(st.Registered) {
		return countError(fmt.Sprintf("station %s: registered", st.Code), st.Registered)
	}
	if sw.machines {
		if badCount(st.Machines) {
			return countError(fmt.Sprintf("station %s: machines", st.Code), st.Machines)
		}
	}
	sw.seen[st.Code] = true
	sw.o.text(st.Code)
	sw.o.count(st.Registered)
	for _, n := range names {
		sw.o.text(n)
	}
	if sw.machines {
		sw.o.count(st.Machines)
	}
	sw.o.end()
	return nil
}

// Flush writes out buffered stations; call it once after the last Write.
func (sw *StationWriter) Flush() error {
	if err := sw.o.flush(); err != nil {
		return fmt.Errorf("write stations: %w", err)
	}
	return nil
}

// WriteStations writes a whole stations file, with a machines column when
// any station states its machines.
func WriteStations(w io.Writer, levels []string, stations []actas.Station) error {
	machines := false
	for i := range stations {
		machines = machines || stations[i].Machines != 0
	}
	sw, err := NewStationWriter(w, levels, machines)
	if err != nil {
		return err
	}
	for i := range stations {
		if err := sw.Write(&stations[i]); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// SheetColumns chooses the optional columns of a sheets CSV.
type SheetColumns struct {
	// Contest writes a contest column; it is needed to write sheets of
	// several contests in one file.
	Contest bool
	// Voters writes a voters column (empty for actas.Unknown). Without it,
	// sheets' Voters are left out and read back as actas.Unknown.
	Voters bool
	// Photos writes a photos column: the names of the photos of each
	// sheet written with WriteSubmission (see SheetReader).
	Photos bool
	// QR writes a qr column: the QR payload of each sheet written with
	// WriteSubmission (see SheetReader).
	QR bool
}

// SheetWriter writes a sheets CSV one sheet at a time, without allocating
// per sheet.
type SheetWriter struct {
	o        *csvOut
	cols     SheetColumns
	width    int                    // choice columns
	contests map[string]*sheetOrder // by contest id
	photos   []string               // scratch for a row's photo names
}

// sheetOrder maps the choice columns to a contest's votes.
type sheetOrder struct {
	contest *actas.Contest
	vote    []int // for each choice column, the index into Votes, or -1 (empty cell)
}

// NewSheetWriter writes the header of a sheets file for the given contests:
// `station[,contest],<choice ids>,blank,null,ballots[,voters][,photos][,qr]`,
// where the choice columns are the contests' choices in ballot order, each
// id once. Several contests need cols.Contest; a photos (qr) column needs
// that no choice is named photos (qr).
func NewSheetWriter(w io.Writer, cols SheetColumns, contests ...*actas.Contest) (*SheetWriter, error) {
	if len(contests) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "sheets file: no contest")
	}
	if len(contests) > 1 && !cols.Contest {
		return nil, actas.Errorf(actas.EINVALID, "sheets file: %d contests need a contest column", len(contests))
	}
	sw := &SheetWriter{o: newCSVOut(w), cols: cols, contests: make(map[string]*sheetOrder, len(contests))}
	colOf := map[string]int{}
	var ids []string
	for _, c := range contests {
		if !actas.ValidID(c.ID) {
			return nil, actas.Errorf(actas.EINVALID, "sheets file: contest id %s is not a valid id", quoteValue(c.ID))
		}
		if _, dup := sw.contests[c.ID]; dup {
			return nil, actas.Errorf(actas.EINVALID, "sheets file: contest %s is given twice", c.ID)
		}
		sw.contests[c.ID] = &sheetOrder{contest: c}
		for _, ch := range c.Choices {
			if !actas.ValidID(ch.ID) || hasString([]string{"station", "contest", "blank", "null", "ballots", "voters", "registered", "national"}, ch.ID) {
				return nil, actas.Errorf(actas.EINVALID, "sheets file: contest %s: choice id %s cannot be a column", c.ID, quoteValue(ch.ID))
			}
			if cols.Photos && ch.ID == photosColumn {
				return nil, actas.Errorf(actas.EINVALID, "sheets file: contest %s has a choice named %s, so the file cannot have a photos column", c.ID, photosColumn)
			}
			if cols.QR && ch.ID == qrColumn {
				return nil, actas.Errorf(actas.EINVALID, "sheets file: contest %s has a choice named %s, so the file cannot have a qr column", c.ID, qrColumn)
			}
			if _, ok := colOf[ch.ID]; !ok {
				colOf[ch.ID] = len(ids)
				ids = append(ids, ch.ID)
			}
		}
	}
	sw.width = len(ids)
	for _, so := range sw.contests {
		so.vote = make([]int, len(ids))
		for i := range so.vote {
			so.vote[i] = -1
		}
		for i, ch := range so.contest.Choices {
			if so.vote[colOf[ch.ID]] >= 0 {
				return nil, actas.Errorf(actas.EINVALID, "sheets file: contest %s has choice %s twice", so.contest.ID, ch.ID)
			}
			so.vote[colOf[ch.ID]] = i
		}
	}
	sw.o.text("station")
	if cols.Contest {
		sw.o.text("contest")
	}
	for _, id := range ids {
		sw.o.text(id)
	}
	sw.o.text("blank")
	sw.o.text("null")
	sw.o.text("ballots")
	if cols.Voters {
		sw.o.text("voters")
	}
	if cols.Photos {
		sw.o.text(photosColumn)
	}
	if cols.QR {
		sw.o.text(qrColumn)
	}
	sw.o.end()
	return sw, nil
}

// Write writes one sheet: of one of the writer's contests, with one count
// per choice. Its photos and qr cells, if the file has them, are empty.
func (sw *SheetWriter) Write(s *actas.Sheet) error { return sw.write(s, nil) }

// WriteSubmission writes sub's sheet, as Write does, with the names of its
// photos (its evidence of kind "photo", each once) in the photos column and
// its QR payload (evidence of kind "qr") in the qr column. Other kinds of
// evidence are not written: a sheets file has no column for them. Errors:
// EINVALID for a photo whose name is not actas.ValidSHA256, photos or a QR
// payload in a file without their column, more than one QR payload (a row
// has one cell), or a payload that would not read back the same (longer
// than MaxQRPayload, empty, surrounding spaces, control characters, not
// UTF-8).
func (sw *SheetWriter) WriteSubmission(sub *actas.Submission) error {
	return sw.write(&sub.Sheet, sub.Evidence)
}

func (sw *SheetWriter) write(s *actas.Sheet, evidence []actas.Evidence) error {
	photos := 0
	for _, ev := range evidence {
		if ev.Kind != "photo" {
			continue
		}
		if !actas.ValidSHA256(ev.SHA256) {
			return actas.Errorf(actas.EINVALID, "station %s: photo %s is not the name of an evidence file (64 lowercase hexadecimal digits)", s.Station, quoteValue(ev.SHA256))
		}
		photos++
	}
	if photos > 0 && !sw.cols.Photos {
		return actas.Errorf(actas.EINVALID, "station %s: the sheet has photos and the file has no photos column", s.Station)
	}
	qr, err := qrCell(s.Station, evidence)
	if err != nil {
		return err
	}
	if qr != "" && !sw.cols.QR {
		return actas.Errorf(actas.EINVALID, "station %s: the sheet has a QR payload and the file has no qr column", s.Station)
	}
	so, ok := sw.contests[s.Contest]
	if !ok {
		return actas.Errorf(actas.EINVALID, "station %s: contest %s is not one this file was opened for", s.Station, quoteValue(s.Contest))
	}
	if err := checkText(s.Station, "station code"); err != nil {
		return err
	}
	if err := actas.CheckForm(s, so.contest); err != nil {
		return err
	}
	for i, v := range s.Votes {
		if badCount(v) {
			return countError(fmt.Sprintf("station %s: votes for %s", s.Station, so.contest.Choices[i].ID), v)
		}
	}
	for _, x := range [...]struct {
		name string
		v    int64
	}{{"blank", s.Blank}, {"null", s.Null}, {"ballots", s.Ballots}} {
		if badCount(x.v) {
			return countError(fmt.Sprintf("station %s: %s", s.Station, x.name), x.v)
		}
	}
	if sw.cols.Voters && s.Voters != actas.Unknown {
		if badCount(s.Voters) {
			return countError(fmt.Sprintf("station %s: voters", s.Station), s.Voters)
		}
	}
	sw.o.text(s.Station)
	if sw.cols.Contest {
		sw.o.text(s.Contest)
	}
	for _, i := range so.vote {
		if i < 0 {
			sw.o.text("")
		} else {
			sw.o.count(s.Votes[i])
		}
	}
	sw.o.count(s.Blank)
	sw.o.count(s.Null)
	sw.o.count(s.Ballots)
	if sw.cols.Voters {
		if s.Voters == actas.Unknown {
			sw.o.text("")
		} else {
			sw.o.count(s.Voters)
		}
	}
	if sw.cols.Photos {
		sw.photos = sw.photos[:0]
		for _, ev := range evidence {
			if ev.Kind == "photo" && !slices.Contains(sw.photos, ev.SHA256) {
				sw.photos = append(sw.photos, ev.SHA256)
			}
		}
		sw.o.text(strings.Join(sw.photos, " "))
	}
	if sw.cols.QR {
		sw.o.text(qr)
	}
	sw.o.end()
	return nil
}

// qrCell returns the text of the one QR payload among evidence, or "".
func qrCell(station string, evidence []actas.Evidence) (string, error) {
	var cell string
	n := 0
	for _, ev := range evidence {
		if ev.Kind != QRKind {
			continue
		}
		if n++; n > 1 {
			return "", actas.Errorf(actas.EINVALID, "station %s: the sheet has more than one QR payload, and a sheets file holds one per sheet", station)
		}
		if len(ev.Text) > MaxQRPayload {
			return "", actas.Errorf(actas.EINVALID, "station %s: the QR payload is %d bytes, more than a QR code holds (%d)", station, len(ev.Text), MaxQRPayload)
		}
		if ev.Text == "" {
			return "", actas.Errorf(actas.EINVALID, "station %s: the QR payload is empty", station)
		}
		if p := textProblem(ev.Text); p != "" {
			return "", actas.Errorf(actas.EINVALID, "station %s: the QR payload %s", station, p)
		}
		if strings.TrimSpace(ev.Text) != ev.Text {
			return "", actas.Errorf(actas.EINVALID, "station %s: the QR payload has surrounding spaces, which a reader drops", station)
		}
		cell = ev.Text
	}
	return cell, nil
}

// WriteSheets writes a whole sheets file of submissions (their sheets and
// photos and QR payloads) for the given contests, as NewSheetWriter and
// WriteSubmission do, with a photos (qr) column when any submission has a
// photo (a QR payload).
func WriteSheets(w io.Writer, cols SheetColumns, subs []*actas.Submission, contests ...*actas.Contest) error {
	for _, sub := range subs {
		for _, ev := range sub.Evidence {
			cols.Photos = cols.Photos || ev.Kind == "photo"
			cols.QR = cols.QR || ev.Kind == QRKind
		}
	}
	sw, err := NewSheetWriter(w, cols, contests...)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := sw.WriteSubmission(sub); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// Flush writes out buffered sheets; call it once after the last Write.
func (sw *SheetWriter) Flush() error {
	if err := sw.o.flush(); err != nil {
		return fmt.Errorf("write sheets: %w", err)
	}
	return nil
}

// WriteTotals writes official totals of one bulletin as
// `contest,area,choice,votes` (the bulletin itself is not in the file; the
// reader is told it). Each contest, area and choice may appear once.
func WriteTotals(w io.Writer, totals []actas.OfficialTotal) error {
	o := newCSVOut(w)
	o.text("contest")
	o.text("area")
	o.text("choice")
	o.text("votes")
	o.end()
	seen := map[[3]string]bool{}
	for i := range totals {
		t := &totals[i]
		if t.Bulletin != totals[0].Bulletin {
			return actas.Errorf(actas.EINVALID, "totals of bulletins %s and %s cannot share a file", quoteValue(totals[0].Bulletin), quoteValue(t.Bulletin))
		}
		if !actas.ValidID(t.Contest) {
			return actas.Errorf(actas.EINVALID, "total %d: contest %s is not a valid id", i, quoteValue(t.Contest))
		}
		if err := checkPath(fmt.Sprintf("total %d: area", i), t.Area); err != nil {
			return err
		}
		if !actas.ValidID(t.Choice) {
			return actas.Errorf(actas.EINVALID, "total %d: choice %s is not a valid id", i, quoteValue(t.Choice))
		}
		if badCount(t.Votes) {
			return countError(fmt.Sprintf("total %d: votes", i), t.Votes)
		}
		k := [3]string{t.Contest, t.Area, t.Choice}
		if seen[k] {
			return actas.Errorf(actas.EINVALID, "total %d: %s of %s in contest %s is given twice", i, t.Choice, actas.DisplayPath(t.Area), t.Contest)
		}
		seen[k] = true
		o.text(t.Contest)
		o.text(actas.DisplayPath(t.Area))
		o.text(t.Choice)
		o.count(t.Votes)
		o.end()
	}
	if err := o.flush(); err != nil {
		return fmt.Errorf("write totals: %w", err)
	}
	return nil
}

// checkPath returns an EINVALID error unless path is "" (national) or a
// canonical area path whose names can be written.
func checkPath(what, path string) error {
	if path == "" {
		return nil
	}
	names, err := actas.SplitPath(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if actas.JoinPath(names...) != path || path == actas.National {
		return actas.Errorf(actas.EINVALID, "%s %s is not a canonical area path", what, quoteValue(path))
	}
	for _, n := range names {
		if err := checkText(n, "%s name", what); err != nil {
			return err
		}
	}
	return nil
}

// WriteSnapshots writes turnout snapshots of one source as
// `scope,time,voters` (the source is not in the file; the reader is told
// it). stations and areas are the lookups the file will be read with: a
// scope is written plain when it reads back as itself, and qualified
// (`station:CODE`, `area:PATH`) when the plain form would be ambiguous.
// With nil lookups every scope is written qualified. Each scope and time may
// appear once.
func WriteSnapshots(w io.Writer, snaps []actas.Snapshot, stations StationLookup, areas AreaLookup) error {
	o := newCSVOut(w)
	o.text("scope")
	o.text("time")
	o.text("voters")
	o.end()
	seen := map[scopeRef]map[int]bool{}
	for i := range snaps {
		s := &snaps[i]
		if s.Source != snaps[0].Source {
			return actas.Errorf(actas.EINVALID, "snapshots of sources %s and %s cannot share a file", s.Source, snaps[0].Source)
		}
		ref := scopeRef{scope: s.Scope, station: s.Station}
		if s.Station {
			if err := checkText(s.Scope, "snapshot %d: station code", i); err != nil {
				return err
			}
		} else if err := checkPath(fmt.Sprintf("snapshot %d: area", i), s.Scope); err != nil {
			return err
		}
		if s.Time < 0 || s.Time > 24*60 {
			return actas.Errorf(actas.EINVALID, "snapshot %d: time %d is not minutes of a day (0 to 1440)", i, s.Time)
		}
		if badCount(s.Voters) {
			return countError(fmt.Sprintf("snapshot %d: voters", i), s.Voters)
		}
		if seen[ref] == nil {
			seen[ref] = map[int]bool{}
		}
		if seen[ref][s.Time] {
			return actas.Errorf(actas.EINVALID, "snapshot %d: %s at %s is given twice", i, ref, actas.FormatClock(s.Time))
		}
		seen[ref][s.Time] = true
		cell, err := scopeCell(ref, stations, areas)
		if err != nil {
			return fmt.Errorf("snapshot %d: %w", i, err)
		}
		o.text(cell)
		o.text(actas.FormatClock(s.Time))
		o.count(s.Voters)
		o.end()
	}
	if err := o.flush(); err != nil {
		return fmt.Errorf("write snapshots: %w", err)
	}
	return nil
}

// scopeCell returns the shortest form of ref that resolveScope reads back as
// ref.
func scopeCell(ref scopeRef, stations StationLookup, areas AreaLookup) (string, error) {
	if stations == nil || areas == nil {
		return ref.qualified(), nil
	}
	for _, cell := range []string{ref.plain(), ref.qualified()} {
		if got, err := resolveScope(cell, stations, areas); err == nil && got == ref {
			return cell, nil
		}
	}
	return "", actas.Errorf(actas.EINVALID, "%s cannot be written so that it reads back as itself (is it a known station or area?)", ref)
}
