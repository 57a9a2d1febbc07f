package web

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
	comparison "github.com/actasproject/actas/compare"
	"github.com/actasproject/actas/consistency"
	"github.com/actasproject/actas/estimate"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/timeline"
)

// methodsDoc is the method note every analysis links to, in the
// repository: the page says how each number is computed in a paragraph
// and a reference, and the note gives the formulas, assumptions and
// validation. Its anchors are GitHub's heading slugs (a test checks them
// against docs/methods.md).
const methodsDoc = "https://github.com/actasproject/actas/blob/main/docs/methods.md"

// analysisMeta is what the page says of an analysis beside its result:
// where its method note is, and its references (not translated: titles
// of published works).
var analysisMeta = map[consistency.Analysis]struct{ anchor, reference string }{
	consistency.Bound: {"3-what-the-uncounted-stations-would-have-to-contain-bound",
		"W. G. Cochran, Sampling Techniques (1977); M. Estok, N. Nevitte and G. Cowan, The Quick Count and Election Observation, NDI (2002)."},
	consistency.Compare: {"1-compare-two-sources-station-by-station-compare-comparepairs",
		"F. J. Damerau, Communications of the ACM 7(3), 1964 (copying slips); M. Estok, N. Nevitte and G. Cowan, The Quick Count and Election Observation, NDI (2002)."},
	consistency.Bulletins: {"2-official-bulletins-beside-the-counted-totals-comparebulletins",
		"M. Estok, N. Nevitte and G. Cowan, The Quick Count and Election Observation, NDI (2002)."},
	consistency.Exactness: {"2-exact-percentages",
		"The exact tail probability of the largest distance under uniform last digits; the case of CNE bulletin 1, Venezuela, 29 July 2024."},
	consistency.Timeline: {"1-turnout-against-voting-capacity",
		"Reuters, CNE internal turnout data, 2 August 2017; Smartmatic briefing, London, 2 August 2017 (the Venezuela 2017 case)."},
	consistency.Forensics: {"election-forensics-package-forensics",
		"P. Klimek et al., PNAS 109(41), 2012; D. Kobak, S. Shpilkin and M. Pshenichnikov, Annals of Applied Statistics 10(1), 2016; B. Beber and A. Scacco, Political Analysis 20(2), 2012; W. R. Mebane, second-digit Benford tests."},
	consistency.Project: {"projection-and-quick-count-package-estimate",
		"W. G. Cochran, Sampling Techniques (1977); C.-E. Särndal, B. Swensson and J. Wretman, Model Assisted Survey Sampling (1992); J. N. K. Rao and C. F. J. Wu, JASA 83(401), 1988."},
}

// statusIcons mark each status beside its word, so that colour is never
// the only cue. U+FE0E asks for the text form rather than an emoji.
var statusIcons = map[consistency.Status]string{
	consistency.StatusFlag:         "✖\uFE0E",
	consistency.StatusWarning:      "⚠\uFE0E",
	consistency.StatusClear:        "✔\uFE0E",
	consistency.StatusUndetermined: "?",
	consistency.StatusInfo:         "ℹ\uFE0E",
	consistency.StatusSkipped:      "–",
	consistency.StatusError:        "‼\uFE0E",
}

// consistencyView is the page.
type consistencyView struct {
	Title       string
	Crumbs      []link
	Contests    []link // empty with one contest
	ContestName string
	English     bool // the page is not in English: the analyses' own words are
	Computing   *computingView
	AsOf        *asOfView
	Updating    bool   // a newer report is being computed
	Stale       bool   // newer inputs arrived, and no update is under way
	Failed      string // why the last update failed
	Analyses    []*analysisView
	JSON        string
}

type computingView struct {
	Refresh int
	Step    string // the analysis under way, in the page's language
	Work    string // what it does, in English
}

type asOfView struct {
	At, Took string
	Seq      string // "" before any sheet
	SeqHref  string
}

// analysisView is one analysis: its verdict leads the page, its section
// follows.
type analysisView struct {
	ID         string
	Title      string
	Status     string // "s-" and a consistency.Status: the CSS class
	StatusText string
	Icon       string
	Headline   string
	Caveat     string
	Skipped    string
	Inputs     string
	Ran        bool
	How        string
	Reference  string
	MethodHref string
	JSON       string
	Charts     []*svgChart
	Tables     []*dataTable
	Summary    []string // sentences with numbers, in the page's language
	Notes      []string // the analysis's own notes (English)
	Explain    []explainItem
}

// explainItem is what the analysis says of one of its parts (a test), in
// its own words (English).
type explainItem struct {
	Term, Text string
}

// dataTable is a table of an analysis, with its CSV download.
type dataTable struct {
	ID       string
	Title    string
	Caption  string
	Head     []dataHead
	Rows     [][]dataCell
	More     string
	Download string
}

type dataHead struct {
	Text string
	Num  bool
}

type dataCell struct {
	Text  string
	Href  string
	Num   bool
	Badge string // a status's CSS class: the cell is drawn as its badge
	Icon  string
	En    bool // English text in a page of another language
	Wide  bool // running text: the column keeps a readable width
}

func (s *Server) consistencyView(l *locale, e *election, c *actas.Contest, p params, st reportState) *consistencyView {
	v := &consistencyView{Title: l.t("consistency.title") + " · " + e.Name, ContestName: c.Name, English: l.Code != "en",
		Crumbs: []link{{Text: e.Name, Href: withQuery(electionURL(e.ID), onlyContest(p.keep()))}, {Text: l.t("consistency.title"), Current: true}}}
	here := consistencyURL(e.ID)
	if len(e.Contests) > 1 {
		for i := range e.Contests {
			q := url.Values{"contest": {e.Contests[i].ID}}
			v.Contests = append(v.Contests, link{Text: e.Contests[i].Name, Href: withQuery(here, q), Current: &e.Contests[i] == c})
		}
	}
	keep := onlyContest(p.keep())
	v.JSON = withQuery(apiConsistencyURL(e.ID), keep)
	if st.done == nil {
		v.Computing = &computingView{Refresh: consistencyRefresh, Work: st.work}
		if st.step != "" {
			v.Computing.Step = l.t("consistency.title." + string(st.step))
		}
		return v
	}
	d := st.done
	v.AsOf = &asOfView{At: d.at.In(e.loc).Format("2006-01-02 15:04:05 MST"), Took: l.Dec(d.took.Seconds(), 1)}
	if d.version.Seq > 0 {
		v.AsOf.Seq, v.AsOf.SeqHref = l.Int(d.version.Seq), entryURL(e.ID, d.version.Seq)
	}
	v.Updating = st.updating
	v.Stale = !st.current && !st.updating
	if st.failed != nil {
		v.Failed = actas.ErrorMessage(st.failed)
	}
	dl := func(name string) string {
		q := cloneValues(keep)
		q.Set("download", name)
		return withQuery(here, q)
	}
	b := &viewBuilder{l: l, e: e, c: c, rep: d.report, dl: dl}
	for _, sec := range d.report.Sections() {
		a := sec.Analysis
		q := cloneValues(keep)
		q.Set("analysis", string(a))
		av := &analysisView{ID: string(a), Title: l.t("consistency.title." + string(a)), Status: "s-" + string(sec.Status),
			StatusText: l.t("consistency.status." + string(sec.Status)), Icon: statusIcons[sec.Status],
			Headline: sec.Headline, Caveat: l.t("consistency.caveat." + string(a)), Skipped: sec.Skipped, Inputs: sec.Inputs,
			Ran: sec.Ran(), How: l.t("consistency.how." + string(a)), Reference: analysisMeta[a].reference,
			MethodHref: methodsDoc + "#" + analysisMeta[a].anchor, JSON: withQuery(apiConsistencyURL(e.ID), q)}
		if av.Ran {
			b.fill(av, a)
		}
		v.Analyses = append(v.Analyses, av)
	}
	return v
}

// viewBuilder fills each analysis's charts and tables from its result.
type viewBuilder struct {
	l   *locale
	e   *election
	c   *actas.Contest
	rep *consistency.Report
	dl  func(table string) string
}

func (b *viewBuilder) fill(av *analysisView, a consistency.Analysis) {
	switch a {
	case consistency.Bound:
		b.bound(av, b.rep.Bound.Result)
	case consistency.Compare:
		b.compare(av, b.rep.Compare)
	case consistency.Bulletins:
		b.bulletins(av, b.rep.Bulletins)
	case consistency.Exactness:
		b.exactness(av, b.rep.Exactness)
	case consistency.Timeline:
		b.timeline(av, b.rep.Timeline.Result)
	case consistency.Forensics:
		b.forensics(av, b.rep.Forensics.Result)
	case consistency.Project:
		b.project(av, b.rep.Project.Result)
	}
}

// choiceName is a choice's name, or its id when the contest has no such
// choice.
func (b *viewBuilder) choiceName(id string) string {
	if i := b.c.ChoiceIndex(id); i >= 0 && b.c.Choices[i].Name != "" {
		return b.c.Choices[i].Name
	}
	return id
}

func (b *viewBuilder) signed(n int64) string {
	if n > 0 {
		return "+" + b.l.Int(n)
	}
	return b.l.Int(n)
}

func (b *viewBuilder) optPct(f *float64) string {
	if f == nil {
		return "—"
	}
	return b.l.Pct(*f)
}

func (b *viewBuilder) optInt(n *int64) string {
	if n == nil {
		return "—"
	}
	return b.l.Int(*n)
}

// small writes a small positive number with two significant digits and
// no exponent, in the page's language: 0,0000029.
func (b *viewBuilder) small(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return b.l.Dec(x, 0)
	}
	return b.l.Dec(x, max(0, 1-int(math.Floor(math.Log10(x)))))
}

// pvalue writes a p-value as readers compare it with a threshold.
func (b *viewBuilder) pvalue(p *float64) string {
	switch {
	case p == nil:
		return "—"
	case *p >= 0.001:
		return b.l.Dec(*p, 3)
	}
	s := strconv.FormatFloat(*p, 'e', 1, 64) // 1.2e-08
	return strings.Replace(s, ".", b.l.decimal, 1)
}

// statistic writes a test's statistic: a count as a whole number, else
// with three significant digits.
func (b *viewBuilder) statistic(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "—"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return b.l.Int(int64(x))
	case x == 0:
		return "0"
	}
	return b.l.Dec(x, max(0, 2-int(math.Floor(math.Log10(math.Abs(x))))))
}

func num(text string) dataCell { return dataCell{Text: text, Num: true} }

// en is a cell of the analysis's own words: English, and long.
func (b *viewBuilder) en(text string) dataCell {
	return dataCell{Text: text, En: b.l.Code != "en", Wide: true}
}

func (b *viewBuilder) heads(keys ...string) []dataHead {
	out := make([]dataHead, len(keys))
	for i, k := range keys {
		// A key ending in "#" is a numeric column.
		k, isNum := strings.CutSuffix(k, "#")
		out[i] = dataHead{Text: b.l.t("consistency.col." + k), Num: isNum}
	}
	return out
}

// limit keeps the first pageRows rows of a table and says how many there
// are.
func (b *viewBuilder) limit(t *dataTable, total int) {
	if len(t.Rows) > pageRows {
		t.Rows = t.Rows[:pageRows]
	}
	if total > len(t.Rows) {
		t.More = b.l.t("consistency.more", b.l.Int(int64(len(t.Rows))), b.l.Int(int64(total)))
	}
}

// ---- bound ----

func (b *viewBuilder) bound(av *analysisView, res *comparison.BoundReport) {
	if res == nil {
		return
	}
	l := b.l
	series := []barSeries{
		{Label: l.t("consistency.bound.counted"), Fill: colourCounted},
		{Label: l.t("consistency.bound.official"), Fill: colourOfficial, Hollow: true},
		{Label: l.t("consistency.bound.required"), Fill: colourRequired},
	}
	t := &dataTable{ID: "bound-table", Title: l.t("consistency.bound.table"), Caption: l.t("consistency.bound.table"),
		Head: b.heads("choice", "official#", "counted#", "required#", "requiredshare#", "countedshare#", "z#", "percentile#"), Download: b.dl("bound")}
	var groups []barGroup
	for _, id := range b.c.ChoiceIDs() {
		ch := res.Choices[id]
		if ch == nil {
			continue
		}
		name := b.choiceName(id)
		bar := func(n int64, what string, text string) barValue {
			return barValue{Value: float64(n), Text: text, Title: name + " · " + what + ": " + text}
		}
		groups = append(groups, barGroup{Label: name, Bars: []barValue{
			bar(ch.Counted, series[0].Label, l.Int(ch.Counted)),
			bar(ch.Official, series[1].Label, l.Int(ch.Official)),
			bar(ch.Required, series[2].Label, b.signed(ch.Required)),
		}})
		z, pct := "—", "—"
		if ch.Test != nil {
			if ch.Test.Z != nil {
				z = l.Dec(*ch.Test.Z, 1)
			}
			pct = l.Pct(ch.Test.Percentile)
		}
		t.Rows = append(t.Rows, []dataCell{{Text: name}, num(l.Int(ch.Official)), num(l.Int(ch.Counted)), num(b.signed(ch.Required)),
			num(b.optPct(ch.RequiredShare)), num(l.Pct(ch.CountedShare)), num(z), num(pct)})
	}
	for _, f := range []string{"blank", "null"} {
		if fb := res.Figures[f]; fb != nil {
			t.Rows = append(t.Rows, []dataCell{{Text: l.t("summary." + f)}, num(l.Int(fb.Official)), num(l.Int(fb.Counted)),
				num(b.signed(fb.Required)), num("—"), num("—"), num("—"), num("—")})
		}
	}
	av.Charts = append(av.Charts, barChart("chart-bound", l.t("consistency.bound.chart"), l.t("consistency.bound.desc"),
		l.t("consistency.bound.caption", res.Bulletin), series, groups, barOptions{}))
	av.Tables = append(av.Tables, t)
	u := res.Uncounted
	av.Summary = append(av.Summary, l.t("consistency.bound.uncounted", l.Int(u.Stations), l.Int(u.SetAside),
		b.optInt(u.Ballots), b.optInt(u.Registered), b.optPct(u.RequiredTurnout)))
	for _, r := range res.Reasons {
		av.Notes = append(av.Notes, r.Text)
	}
}

// ---- compare ----

// mainComparison is the pair the headline speaks of: witness against
// official when both exist, else the first.
func mainComparison(cs []*comparison.Comparison) *comparison.Comparison {
	for _, c := range cs {
		if c.A == actas.Witness && c.B == actas.Official {
			return c
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return cs[0]
}

func (b *viewBuilder) compare(av *analysisView, sec *consistency.CompareSection) {
	cp := mainComparison(sec.Comparisons)
	if cp == nil {
		return
	}
	l := b.l
	an, bn := l.sourceName(cp.A), l.sourceName(cp.B)
	series := []barSeries{{Label: bn + " − " + an, Fill: colourCounted}}
	var groups []barGroup
	net := cp.National.Net
	add := func(name string, d int64) {
		groups = append(groups, barGroup{Label: name, Bars: []barValue{{Value: float64(d), Text: b.signed(d), Title: name + ": " + b.signed(d)}}})
	}
	for _, id := range cp.Choices {
		add(b.choiceName(id), net.Votes[id])
	}
	add(l.t("summary.blank"), net.Blank)
	add(l.t("summary.null"), net.Null)
	av.Charts = append(av.Charts, barChart("chart-compare", l.t("consistency.compare.chart", bn, an), l.t("consistency.compare.desc", bn, an),
		l.t("consistency.compare.caption", l.Int(cp.National.Compared)), series, groups, barOptions{}))

	pairs := &dataTable{ID: "compare-pairs", Title: l.t("consistency.compare.pairs"), Caption: l.t("consistency.compare.pairs"),
		Head: b.heads("pair", "compared#", "differing#", "slips#", "stake#")}
	for _, c := range sec.Comparisons {
		n := c.National
		pairs.Rows = append(pairs.Rows, []dataCell{{Text: l.sourceName(c.B) + " / " + l.sourceName(c.A)}, num(l.Int(n.Compared)),
			num(l.Int(n.Differing)), num(l.Int(n.Slips)), num(l.Int(n.VotesAtStake))})
	}
	av.Tables = append(av.Tables, pairs)

	top := &dataTable{ID: "compare-discrepancies", Title: l.t("consistency.compare.top", bn, an), Caption: l.t("consistency.compare.top", bn, an),
		Head: b.heads("rank#", "station", "area", "kind", "stake#"), Download: b.dl("discrepancies")}
	top.Head = append(top.Head, dataHead{Text: l.t("consistency.col.diff", bn, an)})
	for _, d := range cp.Discrepancies {
		if len(top.Rows) == pageRows {
			break
		}
		top.Rows = append(top.Rows, []dataCell{num(l.Int(int64(d.Rank))), {Text: d.Station, Href: stationURL(b.e.ID, d.Station)},
			b.areaCell(d.Area), {Text: l.t("consistency.kind." + d.Kind)}, num(l.Int(d.VotesAtStake)), {Text: b.diffText(cp, d.Diff), Wide: true}})
	}
	b.limit(top, len(cp.Discrepancies))
	if n := cp.National.Differing; n > int64(len(cp.Discrepancies)) {
		top.More = strings.TrimSpace(top.More + " " + l.t("consistency.listed", l.Int(n), l.Int(int64(len(cp.Discrepancies)))))
	}
	if len(top.Rows) > 0 {
		av.Tables = append(av.Tables, top)
	}
}

// diffText lists the counts that differ: "Ana +100, Bruno −100".
func (b *viewBuilder) diffText(cp *comparison.Comparison, d comparison.Diff) string {
	var parts []string
	for _, id := range cp.Choices {
		if n := d.Votes[id]; n != 0 {
			parts = append(parts, b.choiceName(id)+" "+b.signed(n))
		}
	}
	for _, f := range []struct {
		key string
		n   int64
	}{{"summary.blank", d.Blank}, {"summary.null", d.Null}, {"summary.ballots", d.Ballots}} {
		if f.n != 0 {
			parts = append(parts, b.l.t(f.key)+" "+b.signed(f.n))
		}
	}
	return strings.Join(parts, ", ")
}

// areaCell shows an area path as its names, linked to its page.
func (b *viewBuilder) areaCell(path string) dataCell {
	names, err := actas.SplitPath(path)
	if err != nil || len(names) == 0 {
		return dataCell{Text: path, Wide: true}
	}
	return dataCell{Text: strings.Join(names, " › "), Href: areaURL(b.e.ID, actas.JoinPath(names...)), Wide: true}
}

// ---- bulletins ----

func (b *viewBuilder) bulletins(av *analysisView, sec *consistency.BulletinsSection) {
	l := b.l
	t := &dataTable{ID: "bulletins-table", Title: l.t("consistency.bulletins.table"), Caption: l.t("consistency.bulletins.table"),
		Head: b.heads("bulletin", "choice", "official#", "counted#", "difference#", "officialshare#", "countedshare#"), Download: b.dl("bulletins")}
	national := 0
	for _, chk := range sec.Checks {
		if chk.Area != actas.National {
			continue
		}
		national++
		for _, id := range b.c.ChoiceIDs() {
			ch := chk.Choices[id]
			if ch == nil {
				continue
			}
			diff := "—"
			if ch.Difference != nil {
				diff = b.signed(*ch.Difference)
			}
			cell := num(diff)
			if ch.BelowCounted {
				cell.Badge, cell.Icon = "s-"+string(consistency.StatusWarning), statusIcons[consistency.StatusWarning]
			}
			t.Rows = append(t.Rows, []dataCell{{Text: chk.Bulletin}, {Text: b.choiceName(id)}, num(b.optInt(ch.Official)),
				num(l.Int(ch.Counted)), cell, num(b.optPct(ch.OfficialShare)), num(l.Pct(ch.CountedShare))})
		}
	}
	if n := len(sec.Checks) - national; n > 0 {
		av.Summary = append(av.Summary, l.t("consistency.bulletins.areas", l.Int(int64(n))))
	}
	if len(t.Rows) > 0 || len(sec.Checks) > 0 {
		av.Tables = append(av.Tables, t)
	}
}

// ---- exactness ----

func (b *viewBuilder) exactness(av *analysisView, sec *consistency.ExactnessSection) {
	l := b.l
	var shown *consistency.ExactnessCheck
	for _, x := range sec.Checks {
		if x.Result != nil && (shown == nil || (x.Result.Flag && !shown.Result.Flag)) {
			shown = x
		}
	}
	t := &dataTable{ID: "exactness-table", Title: l.t("consistency.exactness.table"), Caption: l.t("consistency.exactness.table"),
		Head: b.heads("bulletin", "choice", "votes#", "share#", "round#", "distance#", "offset#", "tested"), Download: b.dl("exactness")}
	for _, x := range sec.Checks {
		if x.Result == nil {
			if x.Skipped != "" {
				av.Notes = append(av.Notes, x.Skipped)
			}
			continue
		}
		res := x.Result
		for _, sh := range res.Shares {
			tested := l.t("consistency.no")
			if sh.Tested {
				tested = l.t("consistency.yes")
			}
			t.Rows = append(t.Rows, []dataCell{{Text: x.Bulletin}, {Text: b.choiceName(sh.Choice)}, num(l.Int(sh.Votes)),
				num(l.Dec(100*sh.Share, 6) + "%"), num(l.Dec(100*sh.Round, 3) + "%"), num(b.small(100 * sh.Distance)),
				num(l.Dec(sh.Offset, 1)), {Text: tested}})
		}
		av.Summary = append(av.Summary, l.t("consistency.exactness.p", x.Bulletin, l.Int(int64(res.Tested)), b.pvalue(&res.PValue)))
	}
	av.Tables = append(av.Tables, t)
	if shown == nil {
		return
	}
	res := shown.Result
	half := res.Resolution / 2
	series := []barSeries{{Label: l.t("consistency.exactness.distance"), Fill: colourRequired}}
	var groups []barGroup
	for _, sh := range res.Shares {
		if !sh.Tested {
			continue
		}
		name := b.choiceName(sh.Choice) + " · " + l.Dec(100*sh.Share, 6) + "%"
		text := b.small(100*sh.Distance) + " " + l.t("consistency.exactness.points")
		groups = append(groups, barGroup{Label: name, Bars: []barValue{{Value: sh.Distance / half, Text: text, Title: name + ": " + text}}})
	}
	step := strconv.FormatFloat(100*res.Resolution, 'f', -1, 64) + "%"
	// Distances run from 0 (round) to half a step; counted figures spread
	// evenly over it, so half of them lie beyond its middle.
	av.Charts = append(av.Charts, barChart("chart-exactness", l.t("consistency.exactness.chart", shown.Bulletin), l.t("consistency.exactness.desc", step),
		l.t("consistency.exactness.caption"), series, groups, barOptions{Domain: 1, Mid: true}))
}

// ---- timeline ----

// shownSeries is the series the chart draws: the national one, else the
// most infeasible, else the first.
func shownSeries(res *timeline.Report) *timeline.Series {
	for _, s := range res.Series {
		if s.Kind == timeline.KindNational && len(s.Intervals) > 0 {
			return s
		}
	}
	if f := res.Flagged(); len(f) > 0 {
		return f[0]
	}
	for _, s := range res.Series {
		if len(s.Intervals) > 0 {
			return s
		}
	}
	return nil
}

// maxIntervals bounds the intervals the timeline chart draws.
const maxIntervals = 48

func (b *viewBuilder) ratio(r timeline.Ratio) string {
	if math.IsInf(float64(r), 0) || math.IsNaN(float64(r)) {
		return "∞"
	}
	return "×" + b.l.Dec(float64(r), 2)
}

func (b *viewBuilder) scopeName(s *timeline.Series) string {
	switch s.Kind {
	case timeline.KindNational:
		return b.l.t("consistency.timeline.national")
	case timeline.KindStation:
		return b.l.t("station.title", s.Scope)
	}
	return s.Scope
}

func (b *viewBuilder) scopeHref(s *timeline.Series) string {
	switch s.Kind {
	case timeline.KindNational:
		return electionURL(b.e.ID)
	case timeline.KindStation:
		return stationURL(b.e.ID, s.Scope)
	}
	return areaURL(b.e.ID, s.Scope)
}

func (b *viewBuilder) timeline(av *analysisView, res *timeline.Report) {
	if res == nil {
		return
	}
	l := b.l
	// The whole election's counts, and the series most over capacity when
	// it is another: the headline speaks of it.
	var shown []*timeline.Series
	if s := shownSeries(res); s != nil {
		shown = append(shown, s)
	}
	if f := res.Flagged(); len(f) > 0 && (len(shown) == 0 || shown[0] != f[0]) {
		shown = append(shown, f[0])
	}
	for i, s := range shown {
		var rows []capacityRow
		for _, iv := range s.Intervals[:min(len(s.Intervals), maxIntervals)] {
			name := iv.From + "–" + iv.To
			text := l.t("of", l.Int(iv.Votes), l.Int(iv.Capacity))
			bad := !iv.Feasible && !iv.Decrease
			if bad {
				text += " (" + b.ratio(iv.Ratio) + ")"
			}
			rows = append(rows, capacityRow{Label: name, Capacity: iv.Capacity, Votes: iv.Votes, Text: text, Bad: bad,
				Title: name + ": " + l.t("consistency.timeline.votes") + " " + text})
		}
		av.Charts = append(av.Charts, capacityChart("chart-timeline-"+strconv.Itoa(i+1), l.t("consistency.timeline.chart", b.scopeName(s)),
			l.t("consistency.timeline.desc"), l.t("consistency.timeline.caption"),
			l.t("consistency.timeline.capacity"), l.t("consistency.timeline.votes"), rows))
		if len(s.Intervals) > maxIntervals {
			av.Summary = append(av.Summary, l.t("consistency.timeline.more", l.Int(maxIntervals), l.Int(int64(len(s.Intervals)))))
		}
	}
	flagged := res.Flagged()
	t := &dataTable{ID: "timeline-table", Title: l.t("consistency.timeline.flagged"), Caption: l.t("consistency.timeline.flagged"),
		Head: b.heads("scope", "machines#", "maxratio#", "infeasible#"), Download: b.dl("timeline")}
	for _, s := range flagged {
		t.Rows = append(t.Rows, []dataCell{{Text: b.scopeName(s), Href: b.scopeHref(s)}, num(l.Int(s.Machines)),
			num(b.ratio(s.MaxRatio)), num(l.Int(int64(s.Infeasible)))})
	}
	b.limit(t, len(flagged))
	if len(t.Rows) == 0 {
		av.Summary = append(av.Summary, l.t("consistency.timeline.none", l.Int(int64(res.Summary.Series))))
		t.Title, t.Caption, t.Rows = "", "", nil
		t.Head = nil
	}
	av.Tables = append(av.Tables, t)
}

// ---- forensics ----

func (b *viewBuilder) forensics(av *analysisView, res *forensics.Report) {
	if res == nil {
		return
	}
	l := b.l
	leader := b.choiceName(res.Leader)
	if fp := res.Fingerprint; fp != nil && len(fp.StationGrid) > 0 {
		av.Charts = append(av.Charts, heatMap("chart-forensics", l.t("consistency.forensics.chart", leader),
			l.t("consistency.forensics.desc", l.Int(fp.Stations), leader, l.Pct(fp.Corner)),
			l.t("consistency.forensics.caption", l.Int(fp.Over100)),
			l.t("consistency.forensics.turnout"), l.t("consistency.forensics.share", leader),
			fp.StationGrid, fp.Corner, func(f float64) string { return l.Dec(100*f, 0) + "%" }, l.Int))
	}
	t := &dataTable{ID: "forensics-tests", Title: l.t("consistency.forensics.tests"), Caption: l.t("consistency.forensics.tests"),
		Head: b.heads("test", "result", "statistic#", "p#", "excess#"), Download: b.dl("forensics")}
	for _, x := range res.Tests {
		status := consistency.StatusClear
		switch {
		case x.Skipped != "":
			status = consistency.StatusSkipped
		case x.Flag:
			status = consistency.StatusFlag
		}
		excess := "—"
		if x.Excess != nil {
			excess = l.Dec(*x.Excess, 0)
			if x.SD != nil {
				excess += " ± " + l.Dec(*x.SD, 0)
			}
		}
		note := x.Note
		if x.Skipped != "" {
			note = x.Skipped
		}
		stat := b.statistic(x.Statistic)
		if x.Skipped != "" {
			stat = "—"
		}
		name := l.t("consistency.test." + x.Name)
		t.Rows = append(t.Rows, []dataCell{{Text: name},
			{Text: l.t("consistency.status." + string(status)), Badge: "s-" + string(status), Icon: statusIcons[status]},
			num(stat), num(b.pvalue(x.PValue)), num(excess)})
		av.Explain = append(av.Explain, explainItem{Term: name, Text: note})
	}
	av.Tables = append(av.Tables, t)
	if im := res.Impossible; im != nil && len(im.Stations) > 0 {
		it := &dataTable{ID: "forensics-impossible", Title: l.t("consistency.forensics.impossible"), Caption: l.t("consistency.forensics.impossible"),
			Head: b.heads("station", "area", "registered#", "ballots#", "reasons"), Download: b.dl("impossible")}
		for _, fs := range im.Stations {
			if len(it.Rows) == pageRows {
				break
			}
			it.Rows = append(it.Rows, []dataCell{{Text: fs.Station, Href: stationURL(b.e.ID, fs.Station)}, b.areaCell(fs.Area),
				num(l.Int(fs.Registered)), num(l.Int(fs.Ballots)), b.en(strings.Join(fs.Reasons, "; "))})
		}
		b.limit(it, len(im.Stations))
		if !im.AllListed {
			it.More = strings.TrimSpace(it.More + " " + l.t("consistency.listed", l.Int(im.Flagged), l.Int(int64(len(im.Stations)))))
		}
		av.Tables = append(av.Tables, it)
	}
}

// ---- project ----

// officialShares are the shares of valid votes of the latest national
// bulletin stating every choice, and its name; nil when there is none.
func officialShares(rep *consistency.Report) (map[string]float64, string) {
	if rep.Bulletins == nil {
		return nil, ""
	}
	var out map[string]float64
	name := ""
	for _, chk := range rep.Bulletins.Checks { // ordered by time: the last is the latest
		if chk.Area != actas.National {
			continue
		}
		m := map[string]float64{}
		for id, ch := range chk.Choices {
			if ch.OfficialShare != nil {
				m[id] = *ch.OfficialShare
			}
		}
		if len(m) > 0 {
			out, name = m, chk.Bulletin
		}
	}
	return out, name
}

func (b *viewBuilder) project(av *analysisView, res *estimate.Projection) {
	if res == nil {
		return
	}
	l := b.l
	official, bulletin := officialShares(b.rep)
	if res.Denominator == estimate.Ballots {
		official = nil // shares of ballots are not comparable with shares of valid votes
	}
	interval := func(e estimate.Estimate) string { return l.Pct(e.Low) + " – " + l.Pct(e.High) }
	var rows []intervalRow
	t := &dataTable{ID: "project-table", Title: l.t("consistency.project.table"), Caption: l.t("consistency.project.table"),
		Head: b.heads("choice", "estimate#", "interval#", "bootstrap#", "officialshare#", "projvotes#"), Download: b.dl("project")}
	row := func(name string, e estimate.Estimate, off float64, hasOff bool) {
		boot := "—"
		if e.Bootstrap != nil {
			boot = l.Pct(e.Bootstrap.Low) + " – " + l.Pct(e.Bootstrap.High)
		}
		offText := "—"
		if hasOff {
			offText = l.Pct(off)
		}
		t.Rows = append(t.Rows, []dataCell{{Text: name}, num(l.Pct(e.Share)), num(interval(e)), num(boot), num(offText),
			num(l.Int(int64(math.Round(e.Votes))))})
	}
	for _, id := range res.Choices {
		e, ok := res.Estimates[id]
		if !ok {
			continue
		}
		name := b.choiceName(id)
		off, hasOff := official[id]
		r := intervalRow{Label: name, Share: e.Share, Low: e.Low, High: e.High, Official: -1,
			Text:  l.Pct(e.Share) + " (" + interval(e) + ")",
			Title: name + ": " + l.Pct(e.Share) + " (" + interval(e) + ")"}
		if hasOff {
			r.Official = off
			r.OfficialTitle = name + " · " + l.t("consistency.bound.official") + ": " + l.Pct(off)
		}
		rows = append(rows, r)
		row(name, e, off, hasOff)
	}
	if res.Turnout != nil {
		row(l.t("consistency.project.turnout"), *res.Turnout, 0, false)
	}
	conf := strconv.FormatFloat(100*res.Confidence, 'f', -1, 64) + "%"
	caption := l.t("consistency.project.caption", l.Int(res.StationsCounted), l.Int(res.Stations))
	desc := l.t("consistency.project.desc")
	if official != nil {
		caption += " " + l.t("consistency.project.official", bulletin)
	}
	axis := func(f float64) string { return l.Dec(100*f, 0) + "%" }
	av.Charts = append(av.Charts, intervalChart("chart-project", l.t("consistency.project.chart", conf), desc, caption, rows, axis))
	av.Tables = append(av.Tables, t)
	av.Notes = append(av.Notes, res.Warnings...)
}

// ---- CSV tables ----

// consistencyTable returns a table of the report as CSV data: raw
// figures, ids and fractions 0–1, as the command line's JSON has them.
func consistencyTable(e *election, c *actas.Contest, rep *consistency.Report, name string) (*table, error) {
	f := strconv.FormatFloat
	fl := func(x float64) string { return f(x, 'g', -1, 64) }
	optF := func(x *float64) string {
		if x == nil {
			return ""
		}
		return fl(*x)
	}
	optI := func(n *int64) string {
		if n == nil {
			return ""
		}
		return itoa(*n)
	}
	bl := strconv.FormatBool
	switch name {
	case "bound":
		if rep.Bound == nil || rep.Bound.Result == nil {
			break
		}
		res := rep.Bound.Result
		t := &table{Name: "bound", Header: []string{"bulletin", "area", "choice", "official", "counted", "required", "required_share",
			"counted_share", "expected", "z", "percentile", "extreme"}}
		for _, id := range c.ChoiceIDs() {
			ch := res.Choices[id]
			if ch == nil {
				continue
			}
			row := []string{res.Bulletin, res.Area, id, itoa(ch.Official), itoa(ch.Counted), itoa(ch.Required), optF(ch.RequiredShare),
				fl(ch.CountedShare), optI(ch.Expected), "", "", ""}
			if ch.Test != nil {
				row[9], row[10], row[11] = optF(ch.Test.Z), fl(ch.Test.Percentile), bl(ch.Test.Extreme)
			}
			t.Rows = append(t.Rows, row)
		}
		for _, fig := range []string{"blank", "null"} {
			if fb := res.Figures[fig]; fb != nil {
				t.Rows = append(t.Rows, []string{res.Bulletin, res.Area, fig, itoa(fb.Official), itoa(fb.Counted), itoa(fb.Required),
					"", "", "", "", "", ""})
			}
		}
		return t, nil
	case "discrepancies":
		if rep.Compare == nil || !rep.Compare.Ran() {
			break
		}
		h := []string{"a", "b", "rank", "station", "area", "kind", "votes_at_stake"}
		for _, id := range c.ChoiceIDs() {
			h = append(h, "diff_"+id)
		}
		h = append(h, "diff_blank", "diff_null", "diff_ballots", "slip_side", "slip_field")
		t := &table{Name: "discrepancies", Header: h}
		for _, cp := range rep.Compare.Comparisons {
			for _, d := range cp.Discrepancies {
				row := []string{string(cp.A), string(cp.B), strconv.Itoa(d.Rank), d.Station, d.Area, d.Kind, itoa(d.VotesAtStake)}
				for _, id := range c.ChoiceIDs() {
					row = append(row, itoa(d.Diff.Votes[id]))
				}
				row = append(row, itoa(d.Diff.Blank), itoa(d.Diff.Null), itoa(d.Diff.Ballots), string(d.SlipSide), d.SlipField)
				t.Rows = append(t.Rows, row)
			}
		}
		return t, nil
	case "bulletins":
		if rep.Bulletins == nil || !rep.Bulletins.Ran() {
			break
		}
		t := &table{Name: "bulletins", Header: []string{"bulletin", "area", "time", "claimed_coverage", "source", "choice", "official",
			"counted", "difference", "official_share", "counted_share", "below_counted"}}
		for _, chk := range rep.Bulletins.Checks {
			for _, id := range c.ChoiceIDs() {
				ch := chk.Choices[id]
				if ch == nil {
					continue
				}
				t.Rows = append(t.Rows, []string{chk.Bulletin, chk.Area, chk.Time, optF(chk.ClaimedCoverage), string(chk.Source), id,
					optI(ch.Official), itoa(ch.Counted), optI(ch.Difference), optF(ch.OfficialShare), fl(ch.CountedShare), bl(ch.BelowCounted)})
			}
		}
		return t, nil
	case "exactness":
		if rep.Exactness == nil || !rep.Exactness.Ran() {
			break
		}
		t := &table{Name: "exactness", Header: []string{"bulletin", "area", "total", "choice", "votes", "share", "round", "distance",
			"offset_votes", "tested", "p_value", "flag"}}
		for _, x := range rep.Exactness.Checks {
			if x.Result == nil {
				continue
			}
			for _, sh := range x.Result.Shares {
				t.Rows = append(t.Rows, []string{x.Bulletin, x.Area, itoa(x.Total), sh.Choice, unknownOr(sh.Votes), fl(sh.Share),
					fl(sh.Round), fl(sh.Distance), fl(sh.Offset), bl(sh.Tested), fl(x.Result.PValue), bl(x.Result.Flag)})
			}
		}
		return t, nil
	case "timeline":
		if rep.Timeline == nil || rep.Timeline.Result == nil {
			break
		}
		t := &table{Name: "timeline", Header: []string{"scope", "kind", "level", "source", "from", "to", "votes", "capacity", "ratio",
			"feasible", "minutes", "queue", "final", "decrease"}}
		for _, s := range rep.Timeline.Result.Series {
			for _, iv := range s.Intervals {
				ratio := ""
				if !math.IsInf(float64(iv.Ratio), 0) {
					ratio = fl(float64(iv.Ratio))
				}
				t.Rows = append(t.Rows, []string{s.Scope, s.Kind, s.Level, string(s.Source), iv.From, iv.To, itoa(iv.Votes),
					itoa(iv.Capacity), ratio, bl(iv.Feasible), strconv.Itoa(iv.Minutes), bl(iv.Queue), bl(iv.Final), bl(iv.Decrease)})
			}
		}
		return t, nil
	case "forensics":
		if rep.Forensics == nil || rep.Forensics.Result == nil {
			break
		}
		t := &table{Name: "forensics", Header: []string{"test", "statistic", "p_value", "excess", "sd", "flag", "skipped", "note"}}
		for _, x := range rep.Forensics.Result.Tests {
			t.Rows = append(t.Rows, []string{x.Name, fl(x.Statistic), optF(x.PValue), optF(x.Excess), optF(x.SD), bl(x.Flag), x.Skipped, x.Note})
		}
		return t, nil
	case "impossible":
		if rep.Forensics == nil || rep.Forensics.Result == nil || rep.Forensics.Result.Impossible == nil {
			break
		}
		t := &table{Name: "impossible", Header: []string{"station", "area", "registered", "ballots", "voters", "flags", "reasons"}}
		for _, fs := range rep.Forensics.Result.Impossible.Stations {
			t.Rows = append(t.Rows, []string{fs.Station, fs.Area, itoa(fs.Registered), itoa(fs.Ballots), unknownOr(fs.Voters),
				strings.Join(fs.Flags, ","), strings.Join(fs.Reasons, "; ")})
		}
		return t, nil
	case "project":
		if rep.Project == nil || rep.Project.Result == nil {
			break
		}
		res := rep.Project.Result
		official, _ := officialShares(rep)
		t := &table{Name: "project", Header: []string{"choice", "share", "low", "high", "se", "bootstrap_low", "bootstrap_high", "votes",
			"official_share", "confidence", "denominator"}}
		add := func(id string, e estimate.Estimate) {
			row := []string{id, fl(e.Share), fl(e.Low), fl(e.High), fl(e.SE), "", "", fl(e.Votes), "", fl(res.Confidence), res.Denominator}
			if e.Bootstrap != nil {
				row[5], row[6] = fl(e.Bootstrap.Low), fl(e.Bootstrap.High)
			}
			if off, ok := official[id]; ok && res.Denominator != estimate.Ballots {
				row[8] = fl(off)
			}
			t.Rows = append(t.Rows, row)
		}
		for _, id := range res.Choices {
			if e, ok := res.Estimates[id]; ok {
				add(id, e)
			}
		}
		if res.Turnout != nil {
			add("turnout", *res.Turnout)
		}
		return t, nil
	}
	names := []string{"bound", "discrepancies", "bulletins", "exactness", "timeline", "forensics", "impossible", "project"}
	if !slices.Contains(names, name) {
		return nil, actas.Errorf(actas.ENOTFOUND, "this page has no table %q: its tables are %s", clip(name), strings.Join(names, ", "))
	}
	return nil, actas.Errorf(actas.ENOTFOUND, "table %s: its analysis did not run for election %s, contest %s", name, e.ID, c.ID)
}

// consistencyLink is the overview's link to the consistency page.
func consistencyLink(e *election, keep url.Values) string {
	return withQuery(consistencyURL(e.ID), onlyContest(keep))
}
