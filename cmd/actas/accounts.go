package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
)

// accountsCommands are the subcommands of `actas accounts`.
var accountsCommands = []command{
	{"add", "create one account", runAccountsAdd},
	{"import", "create the accounts of a roster CSV file, all or none", runAccountsImport},
	{"list", "list the election's accounts", runAccountsList},
	{"code", "print a one-time sign-in code for an account", runAccountsCode},
	{"token", "print a new API token for an account", runAccountsToken},
	{"disable", "disable an account: its codes, sessions and tokens stop working", runAccountsDisable},
}

func runAccounts(ctx context.Context, env *Env, args []string) error {
	return runSubcommands(ctx, env, args, "accounts", accountsCommands,
		"The people who sign in to an election: admins, coordinators (of areas), witnesses (of stations)\n"+
			"and keyers. Codes and tokens are printed once and stored only hashed.")
}

func runAccountsAdd(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "accounts add", "[--db DB] [--election ID] --role ROLE [--scope S] NAME CONTACT",
		"Creates an account for NAME, reached at CONTACT (a phone number or an e-mail address, unique in\n"+
			"the election), and prints its id. ROLE is admin, coordinator, witness or keyer; a coordinator's\n"+
			"scope is one or more area paths and a witness's one or more station codes, separated by ';'.\n"+
			"Then give the person a sign-in code: actas accounts code ID.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	role := flags.String("role", "", "admin, coordinator, witness or keyer")
	scope := flags.String("scope", "", "area paths (coordinator) or station codes (witness), separated by ';'")
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		flags.Usage()
		return &usageError{"accounts add: give NAME and CONTACT (quote a name with spaces)"}
	}
	if *role == "" {
		return &usageError{"accounts add: --role is required: admin, coordinator, witness or keyer"}
	}
	r, err := actas.ParseRole(*role)
	if err != nil {
		return err
	}
	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	a := &actas.Account{Election: e.ID, Name: rest[0], Contact: rest[1], Role: r}
	if *scope != "" {
		a.Scope = strings.Split(*scope, ";")
	}
	if err := store.CreateAccount(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "account %d: %s %s <%s>%s\n", a.ID, a.Role, a.Name, a.Contact, scopeText(a))
	return nil
}

func scopeText(a *actas.Account) string {
	if len(a.Scope) == 0 {
		return ""
	}
	return " of " + strings.Join(a.Scope, "; ")
}

func runAccountsImport(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "accounts import", "[--db DB] [--election ID] ROSTER.csv",
		"Creates the accounts of a roster: a CSV file with the columns name, phone_or_email, role and scope\n"+
			"(see accounts add). The roster is checked whole first, then stored in one transaction: a single\n"+
			"problem (located by line and column) or a contact the election already has stores nothing.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		flags.Usage()
		return &usageError{"accounts import: name one ROSTER.csv file"}
	}
	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	stations, err := store.Stations(ctx, e.ID)
	if err != nil {
		return err
	}
	f, err := openInput(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	idx := sheetio.NewIndex(stations)
	accounts, err := sheetio.ReadRoster(f, rest[0], e.ID, idx.Station, idx.Area)
	if err != nil {
		return err
	}
	if err := store.CreateAccounts(ctx, accounts); err != nil {
		return fmt.Errorf("%s: nothing stored: %w", rest[0], err)
	}
	roles := map[actas.Role]int{}
	for _, a := range accounts {
		roles[a.Role]++
	}
	var parts []string
	for _, r := range actas.Roles {
		if roles[r] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", roles[r], r))
		}
	}
	summary := "none"
	if len(parts) > 0 {
		summary = strings.Join(parts, ", ")
	}
	fmt.Fprintf(env.Stdout, "%s: %d accounts created (%s)", rest[0], len(accounts), summary)
	if len(accounts) > 0 {
		fmt.Fprintf(env.Stdout, ", ids %d to %d", accounts[0].ID, accounts[len(accounts)-1].ID)
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

func runAccountsList(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "accounts list", "[--db DB] [--election ID] [--format table|json]",
		"Lists the election's accounts in the order they were created. No secret is shown: none is stored.")
	db := flags.String("db", "", dbUsage)
	electionID := flags.String("election", "", electionUsage)
	format := flags.String("format", "table", "table or json")
	if err := parseNoArgs(flags, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return &usageError{fmt.Sprintf("accounts list: --format %q: use table or json", *format)}
	}
	store, e, err := openElection(ctx, dbFlag(env, *db), *electionID)
	if err != nil {
		return err
	}
	defer store.Close()
	accounts, err := store.Accounts(ctx, e.ID)
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(accounts)
	}
	return writeAccountsTable(env.Stdout, accounts)
}

func writeAccountsTable(w io.Writer, accounts []*actas.Account) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tNAME\tCONTACT\tSCOPE\tCREATED\tSTATE")
	for _, a := range accounts {
		state := "active"
		if a.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Role, a.Name, a.Contact, strings.Join(a.Scope, "; "),
			a.Created.Format(time.RFC3339), state)
	}
	return tw.Flush()
}

// accountArg opens the store and reads the account whose id is arg.
func accountArg(ctx context.Context, env *Env, db, arg string) (actas.Store, *actas.Account, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, &usageError{fmt.Sprintf("%q is not an account id: ids are the numbers actas accounts list shows", arg)}
	}
	store, err := openStore(ctx, dbFlag(env, db), true)
	if err != nil {
		return nil, nil, err
	}
	a, err := store.Account(ctx, id)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, a, nil
}

// printSecret prints a secret on its own line on standard output, so that
// a script can take it, and on standard error whose it is and that it
// cannot be shown again.
func printSecret(env *Env, what string, a *actas.Account, secret, detail string) {
	fmt.Fprintln(env.Stdout, secret)
	fmt.Fprintf(env.Stderr, "actas: %s for account %d (%s %s <%s>)%s.\n"+
		"actas: it is shown this once and cannot be shown again: actas keeps only its hash.\n",
		what, a.ID, a.Role, a.Name, a.Contact, detail)
}

func runAccountsCode(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "accounts code", "[--db DB] [--valid DURATION] ID",
		"Prints a new one-time sign-in code for the account: give it to the person (it signs in once).\n"+
			"Earlier codes stay valid until used or expired.")
	db := flags.String("db", "", dbUsage)
	valid := flags.Duration("valid", actas.DefaultCodeValidity, fmt.Sprintf("how long the code stays valid (at most %v)", actas.MaxCodeValidity))
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		flags.Usage()
		return &usageError{"accounts code: name one account ID"}
	}
	if *valid <= 0 || *valid > actas.MaxCodeValidity {
		return &usageError{fmt.Sprintf("accounts code: --valid %v: give a duration above 0 and at most %v", *valid, actas.MaxCodeValidity)}
	}
	store, a, err := accountArg(ctx, env, *db, rest[0])
	if err != nil {
		return err
	}
	defer store.Close()
	expires := time.Now().Add(*valid).UTC().Truncate(time.Second)
	code, err := store.IssueCode(ctx, a.ID, expires)
	if err != nil {
		return err
	}
	printSecret(env, "one-time sign-in code", a, code, ", valid until "+expires.Format(time.RFC3339))
	return nil
}

func runAccountsToken(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "accounts token", "[--db DB] ID NAME",
		"Prints a new API token for the account, named NAME (e.g. the device or program that uses it):\n"+
			"clients send it as `Authorization: Bearer TOKEN` and act with the account's role and scope.\n"+
			"It works until the account is disabled.")
	db := flags.String("db", "", dbUsage)
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 {
		flags.Usage()
		return &usageError{"accounts token: give an account ID and a NAME for the token"}
	}
	store, a, err := accountArg(ctx, env, *db, rest[0])
	if err != nil {
		return err
	}
	defer store.Close()
	tok, err := store.IssueToken(ctx, a.ID, rest[1])
	if err != nil {
		return err
	}
	printSecret(env, fmt.Sprintf("API token %q", rest[1]), a, tok, "")
	return nil
}

func runAccountsDisable(ctx context.Context, env *Env, args []string) error {
	flags := newFlagSet(env, "accounts disable", "[--db DB] ID",
		"Disables the account for good: its sign-in codes, sessions and tokens stop working at once.")
	db := flags.String("db", "", dbUsage)
	rest, err := parseFlags(flags, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		flags.Usage()
		return &usageError{"accounts disable: name one account ID"}
	}
	store, a, err := accountArg(ctx, env, *db, rest[0])
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.DisableAccount(ctx, a.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "account %d (%s %s) disabled\n", a.ID, a.Role, a.Name)
	return nil
}
