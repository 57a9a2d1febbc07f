// Package compare confronts what was counted with what was announced. It
// answers three questions, each a pure function of panels (actas.Panel) and
// official bulletins (actas.Bulletin):
//
//   - Compare: where two sources (a witness's copy and the official
//     publication, the QR code and the typed sheet, …) both have a station's
//     sheet, do they state the same numbers? It lists every difference,
//     ranked by votes at stake, and sums them per area.
//   - CompareBulletins: how does each official bulletin of an area stand
//     against the totals of the counted sheets of that area?
//   - Bound: for an official total to be true, what would the stations
//     nobody counted have to contain? It says when that is impossible (the
//     requirement is negative, exceeds the ballots left, or the ballots left
//     exceed the voters left) and otherwise how far the requirement lies
//     from what counted stations of the same strata show.
//
// Results are plain structs with JSON tags (DESIGN.md, "JSON outputs"), and
// every result carries its caveats as text. Everything is deterministic: no
// result depends on a random draw or on map order.
//
// The method note (formulas, assumptions, what each analysis cannot show,
// validation figures) is docs/methods.md, section "Compare and bound".
package compare
