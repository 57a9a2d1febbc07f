package timeline

import "github.com/actasproject/actas"

// SheetFinal returns an Options.Final that gives each station the final
// count of its sheet in panel p: the sheet's voters, or its ballots where
// it does not state voters. Areas and the nation get none (a panel may
// lack sheets, so its sums are not final counts), nor do stations without
// a sheet. The function indexes the panel's stations on its first call and
// is not safe for concurrent use.
func SheetFinal(p *actas.Panel) func(scope string, station bool) (int64, bool) {
	var byCode map[string]int
	return func(scope string, station bool) (int64, bool) {
		if !station {
			return 0, false
		}
		if byCode == nil {
			byCode = make(map[string]int, len(p.Stations))
			for i := range p.Stations {
				byCode[p.Stations[i].Code] = i
			}
		}
		i, ok := byCode[scope]
		if !ok || i >= len(p.Sheets) || p.Sheets[i] == nil {
			return 0, false
		}
		if sh := p.Sheets[i]; sh.Voters != actas.Unknown {
			return sh.Voters, true
		}
		return p.Sheets[i].Ballots, true
	}
}
