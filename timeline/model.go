package timeline

import (
	"math"
	"strconv"

	"github.com/actasproject/actas"
)

// NoTime marks an opening or closing time that is not known.
const NoTime = -1

// Model is the capacity model of one election day: when voting may happen
// and how fast one machine can take voters. Times are minutes after local
// midnight of election day.
type Model struct {
	// Open is when voting starts; NoTime when unknown (then a series starts
	// at its first snapshot, and no time is excluded before it).
	Open int
	// Close is when voting ends for everyone not yet in line; NoTime when
	// unknown (then no time is excluded after it, and there is no queue).
	Close int
	// SecondsPerVoter is the least time one machine needs per voter; > 0.
	SecondsPerVoter float64
	// QueueMinutes is how long after Close voters who were in line at the
	// close may still vote; ≥ 0.
	QueueMinutes int
}

// Point is a cumulative count of voters at a time of day (minutes after
// local midnight).
type Point struct {
	Time   int
	Voters int64
}

// Interval is the votes of one scope between two consecutive counts,
// against what its machines could process in that time.
type Interval struct {
	From     string `json:"from"` // HH:MM
	To       string `json:"to"`   // HH:MM, the time the count is stamped with
	Votes    int64  `json:"votes"`
	Capacity int64  `json:"capacity"`
	// Ratio is Votes ÷ Capacity; +Inf (null in JSON) when votes were
	// recorded in an interval with no voting time.
	Ratio    Ratio `json:"ratio"`
	Feasible bool  `json:"feasible"` // Votes ≤ Capacity
	// Minutes is the voting time credited to the interval: the part of it
	// within voting hours, extended to the end of the closing queue for a
	// final count (see Queue).
	Minutes int `json:"minutes"`
	// Queue says the credited time includes the closing queue, after the
	// close.
	Queue bool `json:"queue,omitempty"`
	// Final says the interval ends at a final count given by the caller
	// (Options.Final) rather than at a snapshot.
	Final bool `json:"final,omitempty"`
	// Decrease says the count fell: two reports of the same scope disagree.
	Decrease bool `json:"decrease,omitempty"`
	// For an infeasible interval: the fewest machines, or the most seconds
	// per voter, that would have made it feasible with everything else as
	// assumed. Zero otherwise (and MachinesNeeded is zero when the interval
	// has no voting time: no number of machines would do).
	MachinesNeeded        int64   `json:"machines_needed,omitempty"`
	SecondsPerVoterNeeded float64 `json:"seconds_per_voter_needed,omitempty"`

	from, to int // minutes
}

// FromMinute returns when the interval starts, in minutes after midnight,
// for an interval Intervals or Analyze built (JSON keeps From only).
func (iv *Interval) FromMinute() int { return iv.from }

// ToMinute returns the time the interval's closing count is stamped with,
// in minutes after midnight, like FromMinute.
func (iv *Interval) ToMinute() int { return iv.to }

// Ratio is votes ÷ capacity. It is +Inf when votes were recorded in an
// interval with no voting time, which JSON writes as null.
type Ratio float64

// MarshalJSON writes a finite ratio as a number and an infinite one as null.
func (r Ratio) MarshalJSON() ([]byte, error) {
	f := float64(r)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads null as +Inf, the reverse of MarshalJSON.
func (r *Ratio) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = Ratio(math.Inf(1))
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return actas.Errorf(actas.EINVALID, "ratio %q is not a number or null", b)
	}
	*r = Ratio(f)
	return nil
}

// Check returns an EINVALID error naming the field when the model cannot
// be used.
func (m Model) Check() error {
	if m.Open != NoTime && (m.Open < 0 || m.Open > 24*60) {
		return actas.Errorf(actas.EINVALID, "timeline: opening time %d is not a minute of the day", m.Open)
	}
	if m.Close != NoTime && (m.Close < 0 || m.Close > 24*60) {
		return actas.Errorf(actas.EINVALID, "timeline: closing time %d is not a minute of the day", m.Close)
	}
	if m.Open != NoTime && m.Close != NoTime && m.Close <= m.Open {
		return actas.Errorf(actas.EINVALID, "timeline: close %s is not after open %s", clock(m.Close), clock(m.Open))
	}
	if !(m.SecondsPerVoter > 0) || math.IsInf(m.SecondsPerVoter, 0) {
		return actas.Errorf(actas.EINVALID, "timeline: seconds per voter %v must be a positive number", m.SecondsPerVoter)
	}
	if m.QueueMinutes < 0 {
		return actas.Errorf(actas.EINVALID, "timeline: closing queue of %d minutes is negative", m.QueueMinutes)
	}
	return nil
}

// end is when the last voter in line at the close has voted, or +∞.
func (m Model) end() int {
	if m.Close == NoTime {
		return math.MaxInt
	}
	return m.Close + m.QueueMinutes
}

// Intervals returns the intervals between consecutive counts of one scope
// whose machines number machines (> 0). points must be in strictly
// increasing time order with times within the day. When the opening is
// known and the first point is later, the series starts at the opening
// with no voters. The last interval is the final count's: when it ends at
// or after the close it is credited up to the end of the closing queue.
// Errors are EINVALID and name the point.
func (m Model) Intervals(points []Point, machines int64) ([]Interval, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	if machines <= 0 {
		return nil, actas.Errorf(actas.EINVALID, "timeline: %d machines: a scope needs at least one to have a capacity", machines)
	}
	for i, p := range points {
		if p.Time < 0 || p.Time > 24*60 {
			return nil, actas.Errorf(actas.EINVALID, "timeline: count %d: time %d is not a minute of the day", i+1, p.Time)
		}
		if p.Voters < 0 {
			return nil, actas.Errorf(actas.EINVALID, "timeline: count %d at %s: %d voters is negative", i+1, clock(p.Time), p.Voters)
		}
		if i > 0 && p.Time <= points[i-1].Time {
			return nil, actas.Errorf(actas.EINVALID, "timeline: count %d at %s is not after the count before it (%s)", i+1, clock(p.Time), clock(points[i-1].Time))
		}
	}
	return m.appendIntervals(nil, points, machines, false), nil
}

// appendIntervals appends the intervals of checked points to dst. final
// marks the last point as a final count the caller gave.
func (m Model) appendIntervals(dst []Interval, points []Point, machines int64, final bool) []Interval {
	if len(points) == 0 {
		return dst
	}
	prev := points[0]
	if m.Open != NoTime && prev.Time > m.Open {
		prev = Point{Time: m.Open}
	} else {
		points = points[1:]
	}
	for i, p := range points {
		iv := m.interval(prev, p, machines, i == len(points)-1)
		iv.Final = final && i == len(points)-1
		dst = append(dst, iv)
		prev = p
	}
	return dst
}

// interval computes one interval from a to b; last says b is the series'
// final count.
func (m Model) interval(a, b Point, machines int64, last bool) Interval {
	start, end := 0, m.end()
	if m.Open != NoTime {
		start = m.Open
	}
	to := b.Time
	queue := false
	if last && m.Close != NoTime && to >= m.Close && to < end {
		// A final count includes everyone in line at the close, even the
		// voters who voted after the time it is stamped with.
		to = end
	}
	minutes := max(0, min(to, end)-max(a.Time, start))
	if m.Close != NoTime && min(to, end) > m.Close && minutes > 0 {
		queue = true
	}
	iv := Interval{From: clock(a.Time), To: clock(b.Time), Votes: b.Voters - a.Voters, Minutes: minutes, Queue: queue, from: a.Time, to: b.Time}
	seconds := float64(minutes) * 60
	iv.Capacity = int64(math.Floor(float64(machines) * seconds / m.SecondsPerVoter))
	iv.Feasible = iv.Votes <= iv.Capacity
	iv.Decrease = iv.Votes < 0
	switch {
	case iv.Capacity > 0:
		iv.Ratio = Ratio(float64(iv.Votes) / float64(iv.Capacity))
	case iv.Votes > 0:
		iv.Ratio = Ratio(math.Inf(1))
	}
	if !iv.Feasible && seconds > 0 {
		iv.MachinesNeeded = int64(math.Ceil(float64(iv.Votes) * m.SecondsPerVoter / seconds))
		iv.SecondsPerVoterNeeded = float64(machines) * seconds / float64(iv.Votes)
	}
	return iv
}

// clock formats minutes after midnight as HH:MM; times of the day come
// from a table made once, so that intervals do not allocate their times.
func clock(m int) string {
	if m >= 0 && m < len(clocks) {
		return clocks[m]
	}
	if m < 0 || m > 99*60+59 {
		return strconv.Itoa(m) + "min"
	}
	return formatClock(m)
}

var clocks = func() (t [24*60 + 1]string) {
	for m := range t {
		t[m] = formatClock(m)
	}
	return t
}()

func formatClock(m int) string {
	b := [5]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)}
	return string(b[:])
}
