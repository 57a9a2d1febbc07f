package actas

// Panel is every station of an election with one source's current sheet for
// one contest (the latest that source stated), or with the reconciled sheet:
// the input of the analyses (compare, bound, project, forensics), which are
// pure functions of panels. Sheets[i] and Flags[i] belong to Stations[i];
// Sheets[i] is nil where the source has no sheet for that station (or, for
// the reconciled view, where none can be stood behind). A panel is a copy:
// it shares nothing with the tabulation it was taken from, and analyses
// must treat it as read-only.
type Panel struct {
	Election *Election
	Contest  *Contest
	Source   Source // a Source or Reconciled
	Stations []Station
	Sheets   []*Sheet
	Flags    []Flags
	// From is, for the reconciled view, the source each sheet was taken
	// from ("" where there is none); nil for a single source.
	From []Source
}

// Counted returns the number of stations with a sheet.
func (p *Panel) Counted() int {
	n := 0
	for _, s := range p.Sheets {
		if s != nil {
			n++
		}
	}
	return n
}
