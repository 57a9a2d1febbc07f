// Package estimate projects an election's result from the stations whose
// sheets were counted, with intervals that say how far the projection can
// be from the full count, and checks whether the counted stations are like
// the others.
//
// Project works on any panel (every station, with or without a sheet): the
// stratified combined ratio estimator over stations, strata the areas of a
// chosen level, with its linearized variance and a normal interval, and a
// rescaling bootstrap beside it. Empty strata are merged with a neighbour
// under the same parent area. A coverage check compares counted with
// uncounted stations on what is known of both (registered voters, the mix
// of strata, and the official sheets when given) and warns when they
// differ: no interval covers the bias of a sample that is not random.
//
// The quick count (DrawSample, RequiredSize, QuickCount) is the observers'
// method of Estok, Nevitte & Cowan (NDI 2002): draw a stratified random
// sample of stations before election day, then project from it as its
// sheets arrive.
//
// Every result is a plain struct with JSON tags (DESIGN.md, "project"),
// carries the method, warnings and caveats as text, and is reproducible:
// every random draw comes from a seed in the options. See
// docs/methods.md for the formulas, assumptions and validation figures.
package estimate
