package tabulate

import "github.com/actasproject/actas"

// Panel returns every station of the election, in creation order, with its
// current sheet of source (a Source or Reconciled) for the contest. The
// sheets' numbers share one backing array: a million stations cost two
// allocations per field rather than one per sheet. Errors: ENOTFOUND for an
// unknown election or contest; EINVALID for an unknown source.
func (t *Tabulator) Panel(election, contest string, source actas.Source) (*actas.Panel, error) {
	el, cs, v, err := t.query(election, contest, source)
	if err != nil {
		return nil, err
	}
	meta, err := t.Election(election)
	if err != nil {
		return nil, err
	}
	c, err := meta.Contest(cs.c.ID)
	if err != nil {
		return nil, err
	}
	n := len(el.stations.registered)
	p := &actas.Panel{
		Election: meta, Contest: c, Source: source,
		Stations: make([]actas.Station, n),
		Sheets:   make([]*actas.Sheet, n),
		Flags:    make([]actas.Flags, n),
	}
	if v == reconciledView {
		p.From = make([]actas.Source, n)
	}
	for i := range n {
		p.Stations[i] = el.station(int32(i))
	}
	k := len(cs.c.Choices)
	el.mu.RLock()
	defer el.mu.RUnlock()
	// which returns the source index and record of station i's sheet, or
	// -1 when it has none.
	which := func(i int32) (int, int32) {
		if v == reconciledView {
			o := cs.reconcile(i, el.rank)
			return o.from, o.rec
		}
		if ss := cs.src[v]; ss != nil && ss.slot[i] != 0 {
			return v, ss.slot[i] - 1
		}
		return -1, 0
	}
	counted := 0
	for i := range n {
		if si, _ := which(int32(i)); si >= 0 {
			counted++
		}
	}
	sheets := make([]actas.Sheet, counted)
	votes := make([]int64, counted*k)
	nums := make([]int64, cs.width)
	j := 0
	for i := range n {
		si, r := which(int32(i))
		if si < 0 {
			continue
		}
		ss := cs.src[si]
		got := ss.numbers(r, cs.width, nums)
		s := &sheets[j]
		s.Station, s.Contest = p.Stations[i].Code, cs.c.ID
		s.Votes = votes[j*k : (j+1)*k : (j+1)*k]
		copy(s.Votes, got[:k])
		s.Blank, s.Null, s.Ballots, s.Voters = got[k+numBlank], got[k+numNull], got[k+numBallots], got[k+numVoters]
		p.Sheets[i] = s
		p.Flags[i] = ss.rec(r).flags
		if p.From != nil {
			p.From[i] = sources[si]
		}
		j++
	}
	return p, nil
}
