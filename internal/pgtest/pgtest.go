// Package pgtest starts a throwaway PostgreSQL server for tests: initdb and
// pg_ctl on a temporary directory and a free loopback port, one server per
// test binary, a new database per test.
//
// A package whose tests use it calls Main from its TestMain, so that the
// server stops and its directory is removed when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.MustDatabase(t) // postgres://…/t_…, dropped when t ends
//		…
//	}
//
// The binaries come from PATH, /usr/local/bin or /usr/lib/postgresql/*/bin
// (Debian's postgresql package). initdb refuses to run as root, so as root
// the server runs as the system user postgres (through runuser). When the
// binaries are missing a test is skipped with a message saying so, or fails
// when the environment variable CI is "true".
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is the one server of the test binary.
type server struct {
	dir    string // removed when the binary's tests end
	data   string // the cluster's directory, inside dir
	bin    string // the directory holding initdb, pg_ctl and postgres
	runAs  string // the system user running the server, "" for ourselves
	port   int
	admin  string // URL of the postgres database, for CREATE DATABASE
	logOut string
}

var (
	mainCalled atomic.Bool
	once       sync.Once
	srv        *server
	srvErr     error
	skipErr    error // the binaries are missing: skip (or fail under CI)
	dbCount    atomic.Int64
)

// Main runs the tests of m, then stops the server if a test started one and
// removes its directory. Call it from TestMain.
func Main(m *testing.M) {
	mainCalled.Store(true)
	code := m.Run()
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// MustDatabase returns the URL of a new, empty database on the binary's
// server, starting the server on first use, and drops the database when tb
// ends. It skips tb when no PostgreSQL binaries are found, unless CI=true,
// when it fails instead.
func MustDatabase(tb testing.TB) string {
	tb.Helper()
	return mustDatabase(tb, "template0")
}

// MustDatabaseFrom is MustDatabase for a database that starts as a copy of
// the template database made by Template.
func MustDatabaseFrom(tb testing.TB, template string) string {
	tb.Helper()
	return mustDatabase(tb, template)
}

var (
	templatesMu sync.Mutex
	templates   = map[string]error{}
)

// Template makes, once per test binary, a database named name prepared by
// setup (e.g. a schema's migrations, which then run once instead of once
// per test), and returns its name for MustDatabaseFrom. setup must close
// every connection it opens: a template in use cannot be copied. The
// template lives as long as the server.
func Template(tb testing.TB, name string, setup func(url string) error) string {
	tb.Helper()
	s := mustServer(tb)
	name = "tpl_" + name
	templatesMu.Lock()
	defer templatesMu.Unlock()
	err, done := templates[name]
	if !done {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		err = s.exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
		if err == nil {
			err = setup(s.url(name))
		}
		templates[name] = err
	}
	if err != nil {
		tb.Fatalf("pgtest: template %s: %v", name, err)
	}
	return name
}

func mustDatabase(tb testing.TB, template string) string {
	tb.Helper()
	s := mustServer(tb)
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbCount.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+pgx.Identifier{template}.Sanitize()+" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends the connections a failed test left open.
		if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.url(name)
}

// url returns the URL of the server's database name.
func (s *server) url(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// mustServer returns the running server, starting it once.
func mustServer(tb testing.TB) *server {
	tb.Helper()
	if !mainCalled.Load() {
		tb.Fatal("pgtest: call pgtest.Main(m) from the package's TestMain, so that the server stops when the tests end")
	}
	once.Do(func() { srv, srvErr = start() })
	if skipErr != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("pgtest: %v (CI=true: PostgreSQL is required; install Debian's postgresql package)", skipErr)
		}
		tb.Skipf("pgtest: skipping: %v (install Debian's postgresql package to run this test)", skipErr)
	}
	if srvErr != nil {
		tb.Fatalf("pgtest: start PostgreSQL: %v", srvErr)
	}
	return srv
}

// searchDirs returns where the binaries are looked for, in order: the
// directory of pg_ctl in PATH, /usr/local/bin, then Debian's
// /usr/lib/postgresql/*/bin, newest major version first.
func searchDirs() []string {
	var dirs []string
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	dirs = append(dirs, "/usr/local/bin")
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// 9.6 < 10 < 15 < 16.
	sort.Slice(versions, func(i, j int) bool { return majorOf(versions[i]) > majorOf(versions[j]) })
	return append(dirs, versions...)
}

// findBin returns the first of dirs holding initdb, pg_ctl and postgres.
func findBin(dirs []string) (string, error) {
	for _, d := range dirs {
		ok := true
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(d, b)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				ok = false
				break
			}
		}
		if ok {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL binaries (initdb, pg_ctl, postgres) in PATH, /usr/local/bin or /usr/lib/postgresql/*/bin")
}

func majorOf(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// start makes a cluster in a new temporary directory and starts it.
func start() (*server, error) {
	bin, err := findBin(searchDirs())
	if err != nil {
		skipErr = err
		return nil, err
	}
	s := &server{bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses root; the package's user runs the server.
		if _, err := user.Lookup("postgres"); err != nil {
			skipErr = fmt.Errorf("running as root and there is no system user postgres to run the server as: %w", err)
			return nil, skipErr
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			skipErr = fmt.Errorf("running as root and runuser is missing: %w", err)
			return nil, skipErr
		}
		s.runAs = "postgres"
	}
	if s.dir, err = os.MkdirTemp("", "pgtest-"); err != nil {
		return nil, err
	}
	fail := func(err error) (*server, error) {
		os.RemoveAll(s.dir)
		return nil, err
	}
	if s.runAs != "" {
		u, err := user.Lookup(s.runAs)
		if err != nil {
			return fail(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return fail(fmt.Errorf("give %s to %s: %w", s.dir, s.runAs, err))
		}
	}
	s.data = filepath.Join(s.dir, "data")
	s.logOut = filepath.Join(s.dir, "server.log")
	if out, err := s.run("initdb", "-D", s.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		return fail(fmt.Errorf("initdb: %v: %s", err, out))
	}
	if s.port, err = freePort(); err != nil {
		return fail(err)
	}
	// A throwaway server: nothing it holds must survive a crash, so it
	// skips the syncs that make a durable one slow.
	opts := strings.Join([]string{
		"-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + s.dir,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "max_connections=200",
		"-c", "shared_buffers=64MB",
	}, " ")
	if out, err := s.run("pg_ctl", "-D", s.data, "-l", s.logOut, "-o", opts, "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(s.logOut)
		return fail(fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log))
	}
	s.admin = s.url("postgres")
	// pg_ctl -w waits for the server; make sure it answers on TCP too.
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := s.exec(ctx, "SELECT 1")
		cancel()
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the server does not accept connections on port %d: %w", s.port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run runs one of the server's binaries, as runAs when set.
func (s *server) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// exec runs one statement on the postgres database.
func (s *server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// stop stops the server at once (its data is thrown away) and removes its
// directory.
func (s *server) stop() error {
	var errs []error
	if out, err := s.run("pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop"); err != nil {
		errs = append(errs, fmt.Errorf("pg_ctl stop: %v: %s", err, out))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// freePort returns a loopback TCP port nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
