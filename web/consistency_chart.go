package web

import (
	"math"
	"strconv"
	"strings"
)

// The consistency page's charts are shapes placed here and drawn by one
// template ("svg" in consistency.html): the geometry is Go that tests can
// check, the template only writes elements. Units are the viewBox's; each
// chart scales to its container's width, and its <title> and <desc> say in
// words what it shows.

// svgChart is one chart.
type svgChart struct {
	ID            string // unique on the page: the ids of its title and desc derive from it
	Title, Desc   string
	Caption       string
	Width, Height int
	Rects         []svgRect
	Lines         []svgLine
	Circles       []svgCircle
	Paths         []svgPath
	Texts         []svgText
}

type svgRect struct {
	X, Y, W, H   string
	Fill, Stroke string // "" for none
	Title        string // a tooltip; "" for none
}

type svgLine struct {
	X1, Y1, X2, Y2 string
	Stroke         string
	Dash           bool
}

type svgCircle struct {
	CX, CY, R string
	Fill      string
	Title     string
}

type svgPath struct {
	D            string
	Fill, Stroke string
	Title        string
}

type svgText struct {
	X, Y   string
	Anchor string // start, middle or end
	Class  string // label (bold), small, or "" for a value
	Text   string
	Rotate bool // written upwards, turned a quarter about (X, Y)
}

func u(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

func (c *svgChart) rect(x, y, w, h float64, fill, stroke, title string) {
	c.Rects = append(c.Rects, svgRect{X: u(x), Y: u(y), W: u(w), H: u(h), Fill: fill, Stroke: stroke, Title: title})
}

func (c *svgChart) line(x1, y1, x2, y2 float64, stroke string, dash bool) {
	c.Lines = append(c.Lines, svgLine{X1: u(x1), Y1: u(y1), X2: u(x2), Y2: u(y2), Stroke: stroke, Dash: dash})
}

func (c *svgChart) text(x, y float64, anchor, class, s string) {
	c.Texts = append(c.Texts, svgText{X: u(x), Y: u(y), Anchor: anchor, Class: class, Text: s})
}

// Colours of the charts, each with at least 4.5:1 contrast on white.
const (
	colourCounted  = "#1f4e99"
	colourOfficial = "#a14a00" // drawn hollow: colour is never the only cue
	colourRequired = "#444444"
	colourBad      = "#b3261e"
	colourAxis     = "#6b7785"
	colourGrid     = "#d5dbe3"
)

// Geometry of the bar charts. The width is small so that text stays
// legible when a phone scales the chart down.
const (
	barWidth  = 400
	barLabelW = 92  // the series' names, left of the bars
	barValueW = 100 // room for the value after the longest bar
	barH      = 12
	barGap    = 5
	barGroupH = 20 // a group's name above its bars
	barBlock  = 8
	legendH   = 18
)

// barSeries is one kind of bar in every group (counted, official, …).
type barSeries struct {
	Label  string
	Fill   string
	Hollow bool // outlined rather than filled
}

// barGroup is one row of bars (a choice, a figure), one per series.
type barGroup struct {
	Label string
	Bars  []barValue
}

type barValue struct {
	Value float64
	Text  string // the value as the page writes it
	Title string // tooltip
}

// barOptions tune a bar chart.
type barOptions struct {
	Domain float64 // the scale reaches at least this value
	Mid    bool    // a dashed line at half the domain across each group's bars
}

// barChart draws grouped horizontal bars that may be negative: the zero
// line sits where the largest negative and positive values put it, and
// each bar's value is written beside it (to the right of zero for a
// negative bar). With several series, each bar is named on its left and a
// legend leads; a single series is named by the chart's title.
func barChart(id, title, desc, caption string, series []barSeries, groups []barGroup, opt barOptions) *svgChart {
	c := &svgChart{ID: id, Title: title, Desc: desc, Caption: caption, Width: barWidth}
	maxPos, maxNeg := max(opt.Domain, 0), 0.0
	for _, g := range groups {
		for _, b := range g.Bars {
			maxPos = max(maxPos, b.Value)
			maxNeg = max(maxNeg, -b.Value)
		}
	}
	labelW := 0.0
	if len(series) > 1 {
		labelW = barLabelW
	}
	span := barWidth - labelW - barValueW
	scale := 0.0
	if maxPos+maxNeg > 0 {
		scale = span / (maxPos + maxNeg)
	}
	x0 := labelW + maxNeg*scale
	y := 0.0
	if len(series) > 1 {
		for _, s := range series {
			fill, stroke := s.Fill, ""
			if s.Hollow {
				fill, stroke = "#ffffff", s.Fill
			}
			c.rect(1, y+3, 12, 12, fill, stroke, "")
			c.text(18, y+13, "start", "", s.Label)
			y += legendH
		}
		y += barBlock
	}
	for _, g := range groups {
		c.text(0, y+15, "start", "label", shorten(g.Label, chartNameMax))
		y += barGroupH
		top := y
		for j, b := range g.Bars {
			if j >= len(series) {
				continue
			}
			s := series[j]
			if labelW > 0 {
				c.text(labelW-6, y+10, "end", "small", s.Label)
			}
			w := math.Abs(b.Value) * scale
			if b.Value != 0 && w < 1 {
				w = 1 // a tiny value stays visible
			}
			x := x0
			if b.Value < 0 {
				x = x0 - w
			}
			fill, stroke := s.Fill, ""
			if s.Hollow {
				fill, stroke = "#ffffff", s.Fill
			}
			c.rect(x, y, w, barH, fill, stroke, b.Title)
			vx := x0 + 4
			if b.Value > 0 {
				vx = x0 + w + 4
			}
			c.text(vx, y+10, "start", "", b.Text)
			y += barH + barGap
		}
		if maxNeg > 0 {
			c.line(x0, top-2, x0, y-barGap+2, colourAxis, false)
		}
		if opt.Mid && opt.Domain > 0 {
			mx := x0 + opt.Domain/2*scale
			c.line(mx, top-2, mx, y-barGap+2, colourAxis, true)
		}
		y += barBlock
	}
	c.Height = int(math.Ceil(y))
	return c
}

// capacityRow is one interval: the votes recorded against the capacity.
type capacityRow struct {
	Label           string
	Capacity, Votes int64
	Text, Title     string
	Bad             bool // more votes than capacity
}

// Geometry of the capacity chart.
const (
	capLabelW = 84
	capValueW = 112
	capRow    = 20
)

// capacityChart draws each interval as a hollow bar, its capacity, with
// the votes recorded as a narrower solid bar inside it: a solid bar
// running past its outline, drawn in the alarm colour and marked ✖ in its
// text, is more votes than the machines could take.
func capacityChart(id, title, desc, caption, capLabel, votesLabel string, rows []capacityRow) *svgChart {
	c := &svgChart{ID: id, Title: title, Desc: desc, Caption: caption, Width: barWidth}
	var top int64
	for _, r := range rows {
		top = max(top, r.Capacity, r.Votes)
	}
	span := float64(barWidth - capLabelW - capValueW)
	scale := 0.0
	if top > 0 {
		scale = span / float64(top)
	}
	c.rect(1, 3, 12, 12, "#ffffff", colourCounted, "")
	c.text(18, 13, "start", "", capLabel)
	c.rect(1, 21, 12, 12, colourCounted, "", "")
	c.text(18, 31, "start", "", votesLabel)
	y := float64(2*legendH + barBlock)
	for _, r := range rows {
		c.text(0, y+13, "start", "small", r.Label)
		cw := float64(r.Capacity) * scale
		c.rect(capLabelW, y+1, cw, 16, "#ffffff", colourCounted, r.Title)
		vw := float64(max(r.Votes, 0)) * scale
		if r.Votes > 0 && vw < 1 {
			vw = 1
		}
		fill := colourCounted
		text := r.Text
		if r.Bad {
			fill, text = colourBad, "✖ "+text
		}
		c.rect(capLabelW, y+5, vw, 8, fill, "", r.Title)
		c.text(capLabelW+max(cw, vw)+4, y+13, "start", "small", text)
		y += capRow
	}
	c.Height = int(math.Ceil(y + 2))
	return c
}

// intervalRow is one estimate with its interval, and an official value to
// set beside it (Official < 0: none).
type intervalRow struct {
	Label         string
	Share         float64
	Low, High     float64
	Official      float64
	Text, Title   string
	OfficialTitle string
}

// Geometry of the interval chart.
const (
	ivLeft  = 10
	ivRight = 390
	ivRow   = 44
)

// intervalChart draws each estimate as a dot on its interval (error
// bars), with the official value as a hollow diamond on the same scale.
func intervalChart(id, title, desc, caption string, rows []intervalRow, axisPct func(float64) string) *svgChart {
	c := &svgChart{ID: id, Title: title, Desc: desc, Caption: caption, Width: barWidth}
	top := 0.0
	for _, r := range rows {
		top = max(top, r.High, r.Share, r.Official)
	}
	// The axis ends at the next tenth above everything drawn.
	end := math.Min(1, math.Ceil((top+0.02)*10)/10)
	if end <= 0 {
		end = 0.1
	}
	x := func(f float64) float64 { return ivLeft + (ivRight-ivLeft)*math.Max(0, math.Min(f, end))/end }
	bottom := float64(len(rows) * ivRow)
	// Axis: a tick every tenth (every quarter above one half); its grid
	// lines first, so that the marks are drawn over them.
	step := 0.1
	if end > 0.5 {
		step = 0.25
	}
	for i := 0; float64(i)*step <= end+1e-9; i++ {
		f := float64(i) * step
		c.line(x(f), 18, x(f), bottom, colourGrid, true)
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		} else if f >= end-1e-9 {
			anchor = "end"
		}
		c.text(x(f), bottom+14, anchor, "small", axisPct(f))
	}
	y := 0.0
	for _, r := range rows {
		c.text(0, y+14, "start", "label", shorten(r.Label, chartNameMax))
		my := y + 30
		c.line(x(r.Low), my, x(r.High), my, colourCounted, false)
		c.line(x(r.Low), my-5, x(r.Low), my+5, colourCounted, false)
		c.line(x(r.High), my-5, x(r.High), my+5, colourCounted, false)
		c.Circles = append(c.Circles, svgCircle{CX: u(x(r.Share)), CY: u(my), R: "4", Fill: colourCounted, Title: r.Title})
		if r.Official >= 0 {
			ox := x(r.Official)
			d := "M" + u(ox) + " " + u(my-7) + "L" + u(ox+7) + " " + u(my) + "L" + u(ox) + " " + u(my+7) + "L" + u(ox-7) + " " + u(my) + "Z"
			c.Paths = append(c.Paths, svgPath{D: d, Fill: "none", Stroke: colourOfficial, Title: r.OfficialTitle})
		}
		c.text(ivRight, y+14, "end", "", r.Text)
		y += ivRow
	}
	c.Height = int(math.Ceil(bottom + 20))
	return c
}

// Geometry of the heat map.
const (
	heatLeft  = 52
	heatTop   = 8
	heatSize  = 300
	heatCells = 50 // at most this many cells per axis are drawn
)

// heatPalette runs from light to dark blue: more stations, darker.
var heatPalette = [...]string{"#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"}

// heatMap draws grid[row][col] (rows bottom to top, columns left to
// right, as forensics' StationGrid) on a square of cells, merging bins so
// that at most heatCells are drawn per axis; empty cells are not drawn.
// corner, in (0, 1), outlines the top-right corner above it on both axes.
// The colour of a cell grows with the logarithm of its count; the legend
// gives the counts each shade stands for.
func heatMap(id, title, desc, caption, xLabel, yLabel string, grid [][]int64, corner float64,
	axisPct func(float64) string, count func(int64) string) *svgChart {
	c := &svgChart{ID: id, Title: title, Desc: desc, Caption: caption, Width: barWidth}
	bins := len(grid)
	merge := max(1, (bins+heatCells-1)/heatCells)
	cells := (bins + merge - 1) / merge
	sums := make([]int64, cells*cells)
	var top int64
	for s, row := range grid {
		for t, n := range row {
			if t >= bins {
				break
			}
			k := (s/merge)*cells + t/merge
			sums[k] += n
			top = max(top, sums[k])
		}
	}
	side := float64(heatSize) / float64(max(cells, 1))
	// Frame and background.
	c.rect(heatLeft, heatTop, heatSize, heatSize, "#ffffff", colourAxis, "")
	shade := func(n int64) int {
		if top <= 1 {
			return len(heatPalette) - 1
		}
		i := int(math.Log(float64(n)) / math.Log(float64(top)) * float64(len(heatPalette)))
		return min(max(i, 0), len(heatPalette)-1)
	}
	// One path per shade rather than a rectangle per cell: thousands of
	// cells cost a few elements.
	var paths [len(heatPalette)]strings.Builder
	for k, n := range sums {
		if n == 0 {
			continue
		}
		row, col := k/cells, k%cells
		x := heatLeft + float64(col)*side
		y := heatTop + heatSize - float64(row+1)*side
		p := &paths[shade(n)]
		p.WriteString("M" + u(x) + " " + u(y) + "h" + u(side) + "v" + u(side) + "h" + u(-side) + "z")
	}
	for i := range paths {
		if paths[i].Len() > 0 {
			c.Paths = append(c.Paths, svgPath{D: paths[i].String(), Fill: heatPalette[i]})
		}
	}
	if corner > 0 && corner < 1 {
		cx := heatLeft + corner*heatSize
		cy := heatTop + (1-corner)*heatSize
		c.Rects = append(c.Rects, svgRect{X: u(cx), Y: u(heatTop), W: u(heatLeft + heatSize - cx), H: u(cy - heatTop),
			Fill: "none", Stroke: colourBad})
	}
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		x := heatLeft + f*heatSize
		y := heatTop + (1-f)*heatSize
		c.line(x, heatTop+heatSize, x, heatTop+heatSize+4, colourAxis, false)
		c.text(x, heatTop+heatSize+16, "middle", "small", axisPct(f))
		c.line(heatLeft-4, y, heatLeft, y, colourAxis, false)
		c.text(heatLeft-6, y+4, "end", "small", axisPct(f))
	}
	c.text(heatLeft+heatSize/2, heatTop+heatSize+32, "middle", "label", xLabel)
	c.Texts = append(c.Texts, svgText{X: "14", Y: u(heatTop + heatSize/2), Anchor: "middle", Class: "label", Text: yLabel, Rotate: true})
	// Legend: the least count each shade stands for.
	ly := heatTop + heatSize + 44.0
	switch {
	case top == 1:
		c.rect(0, ly, 12, 12, heatPalette[len(heatPalette)-1], "", "")
		c.text(15, ly+10, "start", "small", count(1))
	case top > 1:
		x, last := 0.0, int64(0)
		for i, fill := range heatPalette {
			lo := int64(math.Ceil(math.Pow(float64(top), float64(i)/float64(len(heatPalette)))))
			if lo == last || shade(lo) != i {
				continue // no count is drawn in this shade
			}
			last = lo
			c.rect(x, ly, 12, 12, fill, "", "")
			c.text(x+15, ly+10, "start", "small", "≥"+count(lo))
			x += 49
		}
	}
	c.Height = int(math.Ceil(ly + 16))
	return c
}
