package web

import (
	"strconv"

	"github.com/actasproject/actas"
)

// chart is the geometry of a horizontal bar chart of shares, computed here
// so that the template only draws. Units are the SVG viewBox's; the chart
// scales to its container's width.
type chart struct {
	Width, Height int
	Legend        []chartLegend
	Labels        []chartText
	Bars          []chartBar
}

type chartLegend struct {
	Y, TY int
	Fill  string
	Label string
}

type chartText struct {
	Y    int
	Text string
	Full string
}

type chartBar struct {
	Y      int
	W      string // width, formatted for the attribute
	VX     string // where the value text starts
	VY     int
	Fill   string
	Title  string
	Value  string
	Stroke bool // announced totals are drawn hollow, so colour is not the only cue
}

// Chart layout, in viewBox units. The width is small so that text stays
// legible when a phone scales the chart down.
const (
	chartWidth   = 400
	chartBarMax  = 320 // leaves room for the value after the longest bar
	chartBarH    = 12
	chartBarGap  = 4
	chartLabelH  = 20
	chartLegendH = 18
	chartBlock   = 10
	chartNameMax = 46 // runes of a choice name before it is shortened
)

// viewColours: each has at least 4.5:1 contrast on white.
var viewColours = map[actas.Source]string{
	actas.Reconciled: "#1f4e99",
	actas.Witness:    "#2d6a2d",
	actas.QR:         "#6a3d9a",
	actas.Machine:    "#00606b",
	actas.Audit:      "#8a1c4a",
	actas.Official:   "#a14a00",
}

const bulletinColour = "#444444"

// shareChart draws each choice's share in every view that has votes.
func shareChart(l *locale, d *areaData) *chart {
	type series struct {
		label  string
		fill   string
		stroke bool
		share  func(i int) (float64, bool)
		votes  func(i int) int64
	}
	var ss []series
	for _, a := range d.views {
		if a.Valid() == 0 {
			continue
		}
		a := a
		ss = append(ss, series{label: l.sourceName(a.Source), fill: viewColours[a.Source],
			share: func(i int) (float64, bool) { return a.Share(i), true },
			votes: func(i int) int64 { return a.Votes[i] }})
	}
	for _, b := range d.bulletin {
		if b.Valid() <= 0 {
			continue
		}
		b := b
		ss = append(ss, series{label: l.t("summary.announced") + " " + b.Name, fill: bulletinColour, stroke: true,
			share: b.Share, votes: func(i int) int64 { return b.Votes[i] }})
	}
	if len(ss) == 0 {
		return nil
	}
	c := &chart{Width: chartWidth}
	y := 0
	for _, s := range ss {
		c.Legend = append(c.Legend, chartLegend{Y: y + 3, TY: y + 13, Fill: s.fill, Label: s.label})
		y += chartLegendH
	}
	y += chartBlock
	for i, ch := range d.c.Choices {
		c.Labels = append(c.Labels, chartText{Y: y + 15, Text: shorten(ch.Name, chartNameMax), Full: ch.Name})
		y += chartLabelH
		for _, s := range ss {
			share, ok := s.share(i)
			if !ok {
				continue
			}
			w := share * chartBarMax
			if share > 0 && w < 1 {
				w = 1 // a tiny share stays visible
			}
			pct := l.Pct(share)
			c.Bars = append(c.Bars, chartBar{Y: y, W: fmtUnits(w), VX: fmtUnits(w + 4), VY: y + 10,
				Fill: s.fill, Stroke: s.stroke, Value: pct,
				Title: s.label + " · " + ch.Name + ": " + pct + " (" + l.Int(s.votes(i)) + ")"})
			y += chartBarH + chartBarGap
		}
		y += chartBlock
	}
	c.Height = y
	return c
}

func fmtUnits(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// shorten cuts s to at most n runes, marking the cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
