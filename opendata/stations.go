package opendata

import (
	"fmt"
	"io"
	"slices"

	"github.com/actasproject/actas"
)

// Columns of the per-station CSV that are not levels or choices.
var stationFixed = []string{"station", "registered", "source", "contest", "blank", "null", "ballots", "voters", "flags", "seq"}

// columnNames names the level and choice columns so that no two columns
// share a name: a level named like a fixed column becomes "area_<level>", a
// choice named like a fixed or level column "choice_<id>".
func columnNames(fixed, levels, choices []string) (lv, ch []string) {
	taken := map[string]bool{}
	for _, f := range fixed {
		taken[f] = true
	}
	lv = make([]string, len(levels))
	for i, l := range levels {
		if taken[l] {
			l = "area_" + l
		}
		lv[i], taken[l] = l, true
	}
	ch = make([]string, len(choices))
	for i, c := range choices {
		if taken[c] {
			c = "choice_" + c
		}
		ch[i], taken[c] = c, true
	}
	return lv, ch
}

// StationsHeader returns the header of the per-station CSV for the given
// contests: station, one column per level (the area's name), registered,
// source, contest, one column per choice id (the union over the contests,
// in ballot order), blank, null, ballots, voters, flags, seq.
func StationsHeader(e *actas.Election, contests []*actas.Contest) []string {
	_, choices := choiceUnion(contests)
	lv, ch := columnNames(stationFixed, e.Levels, choices)
	h := append([]string{"station"}, lv...)
	h = append(h, "registered", "source", "contest")
	h = append(h, ch...)
	return append(h, "blank", "null", "ballots", "voters", "flags", "seq")
}

// choiceUnion returns the choice ids of all contests, each once, and for
// each contest the column of each of its choices.
func choiceUnion(contests []*actas.Contest) (cols [][]int, ids []string) {
	at := map[string]int{}
	cols = make([][]int, len(contests))
	for k, c := range contests {
		cols[k] = make([]int, len(c.Choices))
		for i, ch := range c.Choices {
			j, ok := at[ch.ID]
			if !ok {
				j = len(ids)
				at[ch.ID] = j
				ids = append(ids, ch.ID)
			}
			cols[k][i] = j
		}
	}
	return cols, ids
}

// stationSources resolves opt.Sources for the per-station CSV.
func (opt *Options) stationSources(e *actas.Election, r Results) ([]actas.Source, error) {
	if len(opt.Sources) == 0 {
		return append(r.Sources(e.ID), actas.Reconciled), nil
	}
	out := make([]actas.Source, 0, len(opt.Sources))
	for _, s := range opt.Sources {
		src, err := actas.ParseSource(string(s), true)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, src) {
			out = append(out, src)
		}
	}
	return out, nil
}

// WriteStationsCSV writes one row per station, contest and source that has
// a sheet (StationsHeader), contest by contest and source by source, each
// in station creation order. seq is the log index of the sheet's
// submission (for a reconciled row, of the submission it was taken from;
// its flags are that sheet's); it is empty for a sheet that changed while
// the export read it, when the index read may belong to a newer one. Stations
// without a sheet of a source have no row for it (the stations list has
// them all). Errors: as Write.
func WriteStationsCSV(w io.Writer, e *actas.Election, r Results, opt Options) error {
	contests, err := opt.contests(e)
	if err != nil {
		return err
	}
	sources, err := opt.stationSources(e, r)
	if err != nil {
		return err
	}
	cols, choices := choiceUnion(contests)
	rw := newRowWriter(w)
	for _, h := range StationsHeader(e, contests) {
		rw.str(h)
	}
	if err := rw.end(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var prog progress
	prog.fn = opt.Progress
	cells := make([]int64, len(choices))
	has := make([]bool, len(choices))
	var names areaNames
	for k, c := range contests {
		// Panels and log indexes come from separate reads of a tabulation
		// that may be growing. The highest index tabulated, read around
		// them, tells which indexes name the panel's sheets: all of them
		// when nothing arrived since the indexes were read; otherwise the
		// indexes are read again after the panel, and one no higher than
		// the highest before the panel names the panel's sheet, while a
		// higher one may not and is left out.
		var seqs seqTable
		seqsFrom := int64(-1) // the highest index when seqs were read
		for _, src := range sources {
			before, err := r.MaxSeq(e.ID)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			p, err := r.Panel(e.ID, c.ID, src)
			if err != nil {
				return fmt.Errorf("export %s %s: %w", c.ID, src, err)
			}
			after, err := r.MaxSeq(e.ID)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			limit := after
			if seqs == nil || seqsFrom != after {
				if seqs, err = currentSeqs(e, c, sources, r); err != nil {
					return err
				}
				seqsFrom, limit = after, before
			}
			if prog.total == 0 {
				prog.total = len(p.Stations) * len(contests) * len(sources)
			}
			reported := 0
			for i := range p.Stations {
				if i-reported == progressEvery {
					prog.add(progressEvery)
					reported = i
				}
				s := p.Sheets[i]
				if s == nil {
					continue
				}
				st := &p.Stations[i]
				areas, err := names.split(st.Area)
				if err != nil {
					return fmt.Errorf("export: station %s: %w", st.Code, err)
				}
				rw.str(st.Code)
				for l := range e.Levels {
					if l < len(areas) {
						rw.str(areas[l])
					} else {
						rw.empty()
					}
				}
				rw.int(st.Registered)
				rw.str(string(src))
				rw.str(c.ID)
				clear(has)
				for j, v := range s.Votes {
					cells[cols[k][j]], has[cols[k][j]] = v, true
				}
				for j := range choices {
					if has[j] {
						rw.int(cells[j])
					} else {
						rw.empty()
					}
				}
				rw.int(s.Blank)
				rw.int(s.Null)
				rw.int(s.Ballots)
				rw.count(s.Voters)
				rw.str(p.Flags[i].String())
				from := src
				if p.From != nil {
					from = p.From[i]
				}
				if seq := seqs.at(from, i); seq > 0 && seq <= limit {
					rw.int(seq)
				} else {
					rw.empty()
				}
				if err := rw.end(); err != nil {
					return fmt.Errorf("export: %w", err)
				}
			}
			prog.add(len(p.Stations) - reported)
		}
	}
	if err := rw.flush(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// seqTable holds, per source, the log index of each station's current
// sheet of one contest (0 where there is none).
type seqTable map[actas.Source][]int64

func (t seqTable) at(src actas.Source, i int) int64 {
	if s := t[src]; i < len(s) {
		return s[i]
	}
	return 0
}

// seqPage is how many stations currentSeqs asks for at once.
const seqPage = 4096

// currentSeqs reads the log index of every station's current sheet of the
// sources (of every source, for the reconciled view, whose sheets each come
// from one), a page of stations at a time.
func currentSeqs(e *actas.Election, c *actas.Contest, sources []actas.Source, r Results) (seqTable, error) {
	need := map[actas.Source]bool{}
	for _, s := range sources {
		need[s] = true
		if s == actas.Reconciled {
			for _, src := range actas.Sources {
				need[src] = true
			}
		}
	}
	t := seqTable{}
	for off := 0; ; off += seqPage {
		page, total, err := r.StationsPage(e.ID, c.ID, "", off, seqPage)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", c.ID, err)
		}
		for j, res := range page {
			for src, seq := range res.Current {
				if !need[src] {
					continue
				}
				s := t[src]
				if s == nil {
					s = make([]int64, total)
					t[src] = s
				}
				if off+j < len(s) {
					s[off+j] = seq
				}
			}
		}
		if len(page) == 0 || off+len(page) >= total {
			return t, nil
		}
	}
}
