// Command actas collects, checks, tabulates and publishes polling stations'
// tally sheets so that anyone can check an announced election result.
//
// It is the one place that wires the packages together: storage (sqlite),
// file formats (sheetio), tabulation (tabulate), simulation (simulate) and
// the portal (web). Run `actas help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	_ "time/tzdata" // elections name IANA time zones; do not depend on the host's zoneinfo

	"github.com/actasproject/actas"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	// ACTAS_CPUPROFILE=FILE profiles any command, for finding where a slow
	// run spends its time.
	if path := os.Getenv("ACTAS_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	err := Run(ctx, env, os.Args[1:])
	if err != nil {
		pprof.StopCPUProfile()
		os.Exit(reportError(env.Stderr, err))
	}
}

// Env is what a command may touch of its process, so tests can run commands
// in-process with their own output buffers.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, is called by serve and demo with the portal's URL
	// once it accepts connections.
	Ready func(url string)
}

// usageError marks a command-line mistake: exit status 2, like flag's.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func reportError(w io.Writer, err error) int {
	var ue *usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(w, "actas:", ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "actas: interrupted")
		return 130
	}
	if actas.ErrorCode(err) == actas.EINTERNAL {
		// Internal errors are ours: print the cause too, it is what a bug report needs.
		msg := err.Error()
		var ae *actas.Error
		if errors.As(err, &ae) && ae.Err != nil {
			msg += ": " + ae.Err.Error()
		}
		fmt.Fprintln(w, "actas: internal error:", msg)
		return 1
	}
	// err.Error() keeps the context commands add around the *actas.Error.
	fmt.Fprintln(w, "actas:", err)
	return 1
}

type command struct {
	name, summary string
	run           func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"demo", "simulate a national election, load it and serve the portal", runDemo},
		{"init", "create an election from election.json and stations.csv", runInit},
		{"import", "import sheets, official totals or turnout snapshots", runImport},
		{"results", "print results at any level of the geography", runResults},
		{"compare", "compare sources station by station, and bulletins with the counted sheets", runCompare},
		{"bound", "what the uncounted stations would need for an official bulletin to be true", runBound},
		{"project", "project the result over all stations, with intervals; quick counts", runProject},
		{"forensics", "statistical traces of falsification in one source's sheets", runForensics},
		{"timeline", "turnout snapshots against voting capacity; exactness of bulletins' percentages", runTimeline},
		{"serve", "serve the public portal and JSON API", runServe},
		{"log", "the transparency log: key, sign, verify, check-receipt", runLog},
		{"evidence", "store photos of sheets (add) and read them back (get)", runEvidence},
		{"accounts", "people who sign in: add, import a roster, list, sign-in codes, API tokens", runAccounts},
		{"audit", "risk-limiting audit of the official result: set up, draw, hand count, risk", runAudit},
		{"export", "open data: per-station CSV, OpenElections CSV, NIST SP 1500-100 JSON", runExport},
		{"simulate", "write a synthetic election with known truth", runSimulate},
		{"bench", "measure import, query and log speed at scale", runBench},
	}
}

// Run runs the command named by args[0].
func Run(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(env.Stdout)
		if len(args) == 0 {
			return &usageError{"no command given"}
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	printUsage(env.Stderr)
	return &usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "actas checks an announced election result against polling stations' tally sheets.")
	fmt.Fprintln(w, "\nUsage: actas COMMAND [flags]   (actas COMMAND -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
}

// newFlagSet returns a FlagSet whose usage names the command and its synopsis.
func newFlagSet(env *Env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: actas %s %s\n\n%s\n\nFlags:\n", name, synopsis, about)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (`actas import FILE --source official`), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseNoArgs is parseFlags for the commands that take no positional
// argument: one is a usage error naming it.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), rest[0])}
	}
	return nil
}
