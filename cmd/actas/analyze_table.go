package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/timeline"
)

// The analysis commands' tables lead with the verdict (writeHead), then
// give the figures behind it. The JSON form has everything.

// tableRows is the most rows a table prints before saying how many more
// the JSON form lists.
const tableRows = 20

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

func row(tw *tabwriter.Writer, cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t") }

func more(w io.Writer, shown, all int, what string) {
	if all > shown {
		fmt.Fprintf(w, "  … %d more %s (--format json lists them)\n", all-shown, what)
	}
}

func optPct(f *float64) string {
	if f == nil {
		return "—"
	}
	return consistency.Percent(*f)
}

func optGroup(n *int64) string {
	if n == nil {
		return "—"
	}
	return consistency.Group(*n)
}

func optZ(z *float64) string {
	if z == nil {
		return "—"
	}
	return strconv.FormatFloat(*z, 'f', 2, 64)
}

func writeBoundTable(w io.Writer, rep *consistency.Report) error {
	s := rep.Bound
	fmt.Fprintf(w, "%s · contest %s\n", rep.Election, rep.Contest)
	writeHead(w, &s.Section)
	res := s.Result
	fmt.Fprintln(w)
	tw := newTable(w)
	row(tw, "choice", "official", "counted", "required", "of uncounted ballots", "counted share", "z", "percentile")
	c := &actas.Contest{ID: rep.Contest, Choices: rep.Choices}
	for _, ch := range rep.Choices {
		b := res.Choices[ch.ID]
		if b == nil {
			continue
		}
		z, p := "—", "—"
		if b.Test != nil {
			z, p = optZ(b.Test.Z), consistency.Percent(b.Test.Percentile)
		}
		row(tw, consistency.ChoiceName(c, ch.ID), consistency.Group(b.Official), consistency.Group(b.Counted),
			consistency.Signed(b.Required), optPct(b.RequiredShare), consistency.Percent(b.CountedShare), z, p)
	}
	for _, name := range []string{"blank", "null"} {
		if f := res.Figures[name]; f != nil {
			row(tw, name, consistency.Group(f.Official), consistency.Group(f.Counted), consistency.Signed(f.Required), "", "", "", "")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	u := res.Uncounted
	fmt.Fprintf(w, "\ncounted: %s stations, %s ballots, %s registered (turnout %s)\n",
		consistency.Group(res.Counted.Stations), consistency.Group(res.Counted.Ballots), consistency.Group(res.Counted.Registered), consistency.Percent(res.Counted.Turnout))
	fmt.Fprintf(w, "uncounted: %s stations (%s set aside), ballots %s (basis %s), registered %s (basis %s), required turnout %s\n",
		consistency.Group(u.Stations), consistency.Group(u.SetAside), optGroup(u.Ballots), u.BallotsBasis, optGroup(u.Registered), u.RegisteredBasis, optPct(u.RequiredTurnout))
	if len(res.Reasons) > 0 {
		fmt.Fprintln(w, "\nreasons:")
		for _, r := range res.Reasons {
			fmt.Fprintf(w, "  - %s\n", r.Text)
		}
	}
	return nil
}

func writeCompareTable(w io.Writer, rep *consistency.Report) error {
	fmt.Fprintf(w, "%s · contest %s\n", rep.Election, rep.Contest)
	c := &actas.Contest{ID: rep.Contest, Choices: rep.Choices}
	s := rep.Compare
	writeHead(w, &s.Section)
	for _, cp := range s.Comparisons {
		if err := writeComparison(w, c, cp); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	b := rep.Bulletins
	writeHead(w, &b.Section)
	for _, ch := range b.Checks {
		if err := writeBulletinCheck(w, c, ch); err != nil {
			return err
		}
	}
	return nil
}

func writeComparison(w io.Writer, c *actas.Contest, cp *compare.Comparison) error {
	n := cp.National
	fmt.Fprintf(w, "\n%s − %s: %s stations compared, %s differ (%s slips), %s votes at stake; only %s %s, only %s %s\n",
		cp.B, cp.A, consistency.Group(n.Compared), consistency.Group(n.Differing), consistency.Group(n.Slips), consistency.Group(n.VotesAtStake),
		cp.A, consistency.Group(n.OnlyA), cp.B, consistency.Group(n.OnlyB))
	if n.Differing == 0 {
		return nil
	}
	var net []string
	for _, id := range cp.Choices {
		net = append(net, fmt.Sprintf("%s %s", consistency.ChoiceName(c, id), consistency.Signed(n.Net.Votes[id])))
	}
	fmt.Fprintf(w, "  net effect (%s − %s): %s; blank %s, null %s, ballots %s\n", cp.B, cp.A, strings.Join(net, ", "),
		consistency.Signed(n.Net.Blank), consistency.Signed(n.Net.Null), consistency.Signed(n.Net.Ballots))
	tw := newTable(w)
	row(tw, "rank", "station", "area", "kind", "votes at stake", "difference")
	shown := min(tableRows, len(cp.Discrepancies))
	for _, d := range cp.Discrepancies[:shown] {
		var diff []string
		for _, id := range cp.Choices {
			if v := d.Diff.Votes[id]; v != 0 {
				diff = append(diff, id+" "+consistency.Signed(v))
			}
		}
		for _, f := range []struct {
			name string
			v    int64
		}{{"blank", d.Diff.Blank}, {"null", d.Diff.Null}, {"ballots", d.Diff.Ballots}} {
			if f.v != 0 {
				diff = append(diff, f.name+" "+consistency.Signed(f.v))
			}
		}
		kind := d.Kind
		if d.Kind == compare.KindSlip {
			kind = fmt.Sprintf("slip (%s, %s)", d.SlipSide, d.SlipField)
		}
		row(tw, strconv.Itoa(d.Rank), d.Station, d.Area, kind, consistency.Group(d.VotesAtStake), strings.Join(diff, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	more(w, shown, int(n.Differing), "differing stations")
	return nil
}

func writeBulletinCheck(w io.Writer, c *actas.Contest, b *compare.BulletinCheck) error {
	when := ""
	if b.Time != "" {
		when = ", announced " + b.Time
	}
	fmt.Fprintf(w, "\nbulletin %s (%s%s): claims %s of the stations; the %s sheets cover %s of the listed stations, %s of their registered voters\n",
		b.Bulletin, b.Area, when, optPct(b.ClaimedCoverage), b.Source, consistency.Percent(b.StationCoverage), consistency.Percent(b.RegisteredCoverage))
	tw := newTable(w)
	row(tw, "choice", "official", "counted", "official − counted", "official share", "counted share")
	for _, ch := range c.Choices {
		x := b.Choices[ch.ID]
		if x == nil {
			continue
		}
		diff := "—"
		if x.Difference != nil {
			diff = consistency.Signed(*x.Difference)
		}
		row(tw, consistency.ChoiceName(c, ch.ID), optGroup(x.Official), consistency.Group(x.Counted), diff, optPct(x.OfficialShare), consistency.Percent(x.CountedShare))
	}
	for _, name := range []string{"blank", "null", "ballots", "voters"} {
		if f := b.Figures[name]; f != nil && f.Official != nil {
			diff := "—"
			if f.Difference != nil {
				diff = consistency.Signed(*f.Difference)
			}
			row(tw, name, optGroup(f.Official), optGroup(f.Counted), diff, "", "")
		}
	}
	return tw.Flush()
}

func writeProjectTable(w io.Writer, rep *consistency.Report) error {
	s := rep.Project
	fmt.Fprintf(w, "%s · contest %s\n", rep.Election, rep.Contest)
	writeHead(w, &s.Section)
	res := s.Result
	c := &actas.Contest{ID: rep.Contest, Choices: rep.Choices}
	fmt.Fprintln(w)
	conf := strconv.FormatFloat(100*res.Confidence, 'f', -1, 64) + "%"
	tw := newTable(w)
	row(tw, "", "share", conf+" interval", "bootstrap", "projected votes")
	line := func(name string, e estimate.Estimate) {
		boot := "—"
		if e.Bootstrap != nil {
			boot = fmt.Sprintf("[%s, %s]", consistency.Percent(e.Bootstrap.Low), consistency.Percent(e.Bootstrap.High))
		}
		row(tw, name, consistency.Percent(e.Share), fmt.Sprintf("[%s, %s]", consistency.Percent(e.Low), consistency.Percent(e.High)),
			boot, consistency.Group(int64(e.Votes+0.5)))
	}
	for _, id := range res.Choices {
		if e, ok := res.Estimates[id]; ok {
			line(consistency.ChoiceName(c, id), e)
		}
	}
	if res.Turnout != nil {
		line("turnout", *res.Turnout)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	of := "valid votes (votes for choices)"
	if res.Denominator == estimate.Ballots {
		of = "all ballots (blank and null included)"
	}
	fmt.Fprintf(w, "\nshares are of %s. %s\n", of, res.Method)
	for _, warn := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	if len(res.Areas) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = newTable(w)
	head := []string{res.Level, "counted"}
	for _, id := range res.Choices {
		head = append(head, id)
	}
	row(tw, head...)
	shown := min(tableRows, len(res.Areas))
	for _, a := range res.Areas[:shown] {
		cells := []string{a.Area, fmt.Sprintf("%s/%s", consistency.Group(a.StationsCounted), consistency.Group(a.Stations))}
		for _, id := range res.Choices {
			if e, ok := a.Estimates[id]; ok {
				cells = append(cells, fmt.Sprintf("%s ±%s", consistency.Percent(e.Share), consistency.Percent((e.High-e.Low)/2)))
			} else {
				cells = append(cells, "—")
			}
		}
		row(tw, cells...)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	more(w, shown, len(res.Areas), "areas")
	return nil
}

func writeForensicsTable(w io.Writer, rep *consistency.Report) error {
	s := rep.Forensics
	fmt.Fprintf(w, "%s · contest %s\n", rep.Election, rep.Contest)
	writeHead(w, &s.Section)
	res := s.Result
	fmt.Fprintln(w)
	tw := newTable(w)
	row(tw, "test", "statistic", "p-value", "excess", "sd", "flag")
	num := func(f *float64) string {
		if f == nil {
			return "—"
		}
		return strconv.FormatFloat(*f, 'g', 4, 64)
	}
	for _, t := range res.Tests {
		if t.Skipped != "" {
			row(tw, t.Name, "not run", "", "", "", "")
			continue
		}
		flag := ""
		if t.Flag {
			flag = "FLAG"
		}
		row(tw, t.Name, strconv.FormatFloat(t.Statistic, 'g', 6, 64), num(t.PValue), num(t.Excess), num(t.SD), flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, t := range res.Tests {
		fmt.Fprintf(w, "%s: %s\n", t.Name, t.Note)
	}
	return nil
}

func writeTimelineTable(w io.Writer, rep *consistency.Report) error {
	fmt.Fprintf(w, "%s · contest %s\n", rep.Election, rep.Contest)
	s := rep.Timeline
	writeHead(w, &s.Section)
	if res := s.Result; res != nil {
		if len(res.Intervals) > 0 {
			fmt.Fprintf(w, "\nnational (%s):\n", res.Source)
			if err := writeIntervals(w, res.Intervals); err != nil {
				return err
			}
		}
		flagged := res.Flagged()
		if len(flagged) > 0 {
			fmt.Fprintln(w, "\nseries over capacity, largest ratio first:")
			tw := newTable(w)
			row(tw, "scope", "kind", "machines", "largest ratio", "infeasible intervals")
			shown := min(tableRows, len(flagged))
			for _, sr := range flagged[:shown] {
				row(tw, sr.Scope, sr.Kind, consistency.Group(sr.Machines), ratioText(sr.MaxRatio), strconv.Itoa(sr.Infeasible))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			more(w, shown, len(flagged), "series")
		}
	}
	fmt.Fprintln(w)
	x := rep.Exactness
	writeHead(w, &x.Section)
	if len(x.Checks) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := newTable(w)
	row(tw, "bulletin", "area", "total", "shares tested", "largest distance (points)", "chance", "flag")
	for _, ch := range x.Checks {
		if ch.Result == nil {
			row(tw, ch.Bulletin, ch.Area, "—", "not checked", "", "", "")
			continue
		}
		r := ch.Result
		flag := ""
		if r.Flag {
			flag = "FLAG"
		}
		row(tw, ch.Bulletin, ch.Area, consistency.Group(ch.Total), strconv.Itoa(r.Tested),
			strconv.FormatFloat(100*r.Statistic, 'g', 3, 64), strconv.FormatFloat(r.PValue, 'g', 3, 64), flag)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, ch := range x.Checks {
		if ch.Skipped != "" {
			fmt.Fprintf(w, "not checked: %s\n", ch.Skipped)
		}
	}
	return nil
}

func writeIntervals(w io.Writer, ivs []timeline.Interval) error {
	tw := newTable(w)
	row(tw, "from", "to", "votes", "capacity", "ratio", "feasible", "would need")
	for _, iv := range ivs {
		feasible, need := "yes", ""
		if !iv.Feasible {
			feasible = "NO"
			if iv.MachinesNeeded > 0 {
				need = fmt.Sprintf("%s machines or %.1f s per voter", consistency.Group(iv.MachinesNeeded), iv.SecondsPerVoterNeeded)
			}
		}
		if iv.Decrease {
			feasible = "decrease"
		}
		row(tw, iv.From, iv.To, consistency.Group(iv.Votes), consistency.Group(iv.Capacity), ratioText(iv.Ratio), feasible, need)
	}
	return tw.Flush()
}

func ratioText(r timeline.Ratio) string {
	b, _ := r.MarshalJSON()
	if string(b) == "null" {
		return "∞"
	}
	return strconv.FormatFloat(float64(r), 'f', 3, 64)
}
