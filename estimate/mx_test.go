package estimate_test

import (
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
)

// The Mexican presidential election of 1 July 2018: the quick-count
// committee's sample design (7,787 stations) and one delivery of the 6,307
// that had reported by 23:58 (testdata/README.md). López Obrador's official
// share of total votes (null and unregistered candidates included) was
// 53.19%; the delivery alone gives him 53.07%.
const (
	mxOfficialAMLO = 0.5319
	mxPartialAMLO  = 0.5307
)

// MustMexicoPanel is the delivery as a panel of the sample design's stations.
func MustMexicoPanel(tb testing.TB) *actas.Panel {
	tb.Helper()
	return MustPanels(tb, MustConvert(tb, "mx-quickcount", "mx-2018-quickcount"), actas.Official)[0]
}

// TestMexico2018 projects López Obrador's share of total votes from the
// 6,307 stations received. The design file is a sample, not the frame of
// all 156,000 stations, so there is no finite-population correction
// (NoFPC) and each stratum of the design stands for its share of the
// country in proportion to its sampled stations.
func TestMexico2018(t *testing.T) {
	p := MustMexicoPanel(t)
	if p.Counted() != 6307 || len(p.Stations) != 7787 {
		t.Fatalf("%d of %d stations received, want 6,307 of 7,787", p.Counted(), len(p.Stations))
	}
	t.Run("one stratum: the delivery's own share, and an interval holding the official count", func(t *testing.T) {
		pr := MustProject(t, p, estimate.Options{Strata: actas.National, Denominator: estimate.Ballots, NoFPC: true, Seed: 2018})
		e := pr.Estimates["amlo"]
		if !near(e.Share, mxPartialAMLO, 0.00005) {
			t.Errorf("López Obrador %.4f%% of total votes, want %.2f%%", 100*e.Share, 100*mxPartialAMLO)
		}
		if !(e.Low <= mxOfficialAMLO && mxOfficialAMLO <= e.High) || !(e.Bootstrap.Low <= mxOfficialAMLO && mxOfficialAMLO <= e.Bootstrap.High) {
			t.Errorf("95%% interval [%.2f%%, %.2f%%] (bootstrap [%.2f%%, %.2f%%]) misses the official %.2f%%",
				100*e.Low, 100*e.High, 100*e.Bootstrap.Low, 100*e.Bootstrap.High, 100*mxOfficialAMLO)
		}
		t.Logf("unstratified: López Obrador %.2f%% [%.2f%%, %.2f%%], bootstrap [%.2f%%, %.2f%%], design effect %.1f",
			100*e.Share, 100*e.Low, 100*e.High, 100*e.Bootstrap.Low, 100*e.Bootstrap.High, e.DesignEffect)
	})
	t.Run("district strata: the coverage check sees that the stations received differ from those missing", func(t *testing.T) {
		pr := MustProject(t, p, estimate.Options{Strata: "district", Denominator: estimate.Ballots, NoFPC: true, Seed: 2018})
		e := pr.Estimates["amlo"]
		t.Logf("district strata (%d, %d after merging): López Obrador %.2f%% [%.2f%%, %.2f%%], bootstrap [%.2f%%, %.2f%%]; warnings %q",
			pr.StrataCount, pr.Groups, 100*e.Share, 100*e.Low, 100*e.High, 100*e.Bootstrap.Low, 100*e.Bootstrap.High, pr.Warnings)
		if pr.StrataCount != 300 {
			t.Errorf("%d district strata, want Mexico's 300 federal districts", pr.StrataCount)
		}
		// Late stations are missing, and some districts reported far less
		// than others (by state: Chiapas 57%, Tabasco 60%, against 99% in
		// Aguascalientes): the check must say so.
		var mix *estimate.Balance
		for k := range pr.Coverage.Balances {
			if pr.Coverage.Balances[k].Variable == "stratum-mix" {
				mix = &pr.Coverage.Balances[k]
			}
		}
		if mix == nil || !mix.Flag || !pr.Coverage.Biased || !hasWarning(pr, "Coverage is uneven across the district strata") {
			t.Errorf("coverage check %+v, warnings %q", pr.Coverage, pr.Warnings)
		}
	})
}
