// Package forensics looks for statistical traces of falsification in the
// sheets of one source: the turnout × leader-share fingerprint, the excess
// of whole-number percentages, last-digit and adjacent-pair tests, the
// second-digit Benford test, and sheets that cannot be right as stated.
//
// Every analysis is a pure function of an actas.Panel and Options. Random
// draws follow from Options.Seed, in fixed blocks of stations, so a result
// is the same on any machine and with any number of workers.
//
// # What a result can and cannot say
//
// A flag is a reason to look, not proof. Honest elections produce every
// one of these patterns for innocent reasons: a village that votes as one,
// a region with genuinely high turnout, small stations whose counts are
// dominated by a few digits, commissions rounding while they copy. And
// fraud can leave none of them: a falsifier who computes the numbers
// instead of inventing them leaves the digits random and the percentages
// fractional. What settles a question is the sheets themselves: their
// photos, witnesses' copies, recounts. Each result carries its caveat in
// its Note, and the method note (docs/methods.md) gives the formulas,
// assumptions and the detection rates measured on simulated elections.
//
// # The analyses
//
//   - Fingerprint: the two-dimensional histogram of turnout and the
//     leader's share per station (Klimek, Yegorov, Hanel & Thurner,
//     "Statistical detection of systematic election irregularities", PNAS
//     109(41), 2012), and, for every choice, how many stations sit in the
//     upper-right corner (turnout and share both above 90%) compared with
//     a bivariate normal fitted robustly to the bulk.
//   - IntegerPercent: how many more stations report a whole-number turnout
//     or leader's share than binomial chance gives (Kobak, Shpilkin &
//     Pshenichnikov, "Integer percentages as electoral falsification
//     fingerprints", Annals of Applied Statistics 10(1), 2016), with the
//     authors' inclusion rules and Monte-Carlo null.
//   - LastDigit and AdjacentPair: uniformity of the last digit of vote
//     counts, and the share of counts whose last two digits are adjacent
//     (Beber & Scacco, "What the numbers say: a digit-based test for
//     election fraud", Political Analysis 20(2), 2012).
//   - SecondDigit: the second-digit Benford test (Mebane, "Election
//     forensics: vote counts and Benford's law", 2006), with a bootstrap
//     interval for the mean second digit.
//   - ImpossibleSheets: sheets with more ballots than registered voters or
//     than the station could process, sums that do not add up, or voters
//     that differ from ballots (actas.Check), each with its reasons.
//
// Run performs them all and returns a Report whose Tests follow the
// `forensics` JSON shape of DESIGN.md.
package forensics
